// Package htmlform reads the POST forms of a page the way a browser would
// submit them: each form's action and its hidden fields (inputs of type
// hidden that have a name and are not disabled). It scans the page's
// tags once, without regular expressions: attributes in any order and
// case, double-quoted, single-quoted or bare, entities decoded; comments
// and the text of script and style elements are skipped. It is not a
// full HTML parser (no implied end tags, no form-associated controls
// outside their form). The test browser and the load generator share it.
package htmlform
