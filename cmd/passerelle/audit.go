package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"
)

// auditCmd: `passerelle audit export -since 24h|2026-11-01T00:00:00Z`
// writes the audit log as JSON lines, oldest first.
func auditCmd(ctx context.Context, args []string, stdout io.Writer) error {
	const use = "usage: passerelle audit export -config FILE -since DURATION|RFC3339"
	if len(args) == 0 || args[0] != "export" {
		return usageError(use)
	}
	fs := flag.NewFlagSet("audit export", flag.ContinueOnError)
	cfgPath := fs.String("config", "passerelle.yaml", "configuration file")
	sinceFlag := fs.String("since", "24h", "a duration back from now (e.g. 24h) or an RFC 3339 time")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	since, err := parseSince(*sinceFlag, time.Now())
	if err != nil {
		return usageError(err.Error())
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	events, err := st.ListAudit(ctx, since, 0)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return nil
}

func parseSince(s string, now time.Time) (time.Time, error) {
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("-since %q is neither a duration nor an RFC 3339 time", s)
	}
	return t, nil
}
