package main

import (
	"fmt"
	"sort"
	"time"

	"go.etcd.io/bbolt"
)

// composition prints, for the stopped store file at path, each bucket's
// keys and the bytes its pages use (leaf and branch pages, inline
// buckets), biggest first, and the file's size against its live pages:
// the figures the sizing paragraph of the README is made of.
func composition(path string) error {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	type row struct {
		name  string
		keys  int
		bytes int
	}
	var rows []row
	var fileSize int64
	total := 0
	err = db.View(func(tx *bbolt.Tx) error {
		fileSize = tx.Size()
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
			s := b.Stats()
			n := s.LeafInuse + s.BranchInuse + s.InlineBucketInuse
			rows = append(rows, row{string(name), s.KeyN, n})
			total += n
			return nil
		})
	})
	if err != nil {
		return err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].bytes > rows[j].bytes })
	fmt.Printf("\nstore after the run: file %s, live pages %s\n", mib(fileSize), mib(int64(total)))
	fmt.Printf("%-24s %9s %11s %9s\n", "bucket", "keys", "bytes used", "per key")
	for _, r := range rows {
		if r.keys == 0 {
			continue
		}
		fmt.Printf("%-24s %9d %11d %9d\n", r.name, r.keys, r.bytes, r.bytes/r.keys)
	}
	return nil
}
