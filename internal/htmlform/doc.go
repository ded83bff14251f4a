// Package htmlform reads the POST forms of a page the way a browser would
// submit them: each form's action and its hidden fields. It reads the
// markup that Passerelle, the demo provider and the benchmarks' example
// OP write (method before action; hidden inputs written type, name,
// value), not arbitrary HTML. The test browser and the load generator
// share it.
package htmlform
