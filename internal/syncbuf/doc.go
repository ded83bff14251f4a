// Package syncbuf is a bytes.Buffer safe for concurrent use: a test reads
// what a server's goroutines or a child process write (logs, output)
// while they write it.
package syncbuf
