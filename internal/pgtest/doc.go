// Package pgtest gives tests (and the benchmark comparison) a PostgreSQL
// schema of their own: an empty schema with a random name on the server
// named by PASSERELLE_TEST_POSTGRES_DSN, dropped at the end.
//
// Schema skips a test with a clear message where the variable is not set;
// Create is the same without testing.TB, for a command.
package pgtest
