package admin

import (
	"errors"
	"fmt"
	"slices"

	"github.com/passerelle/passerelle/internal/passhash"
)

// Problem is what is wrong with an import file or one of its rows: a key
// of the import catalogue and its arguments. String is its English text
// (what the admin API answers); In renders it in English or French for
// the import commands' reports.
type Problem struct {
	Key  string
	Args []any
}

func problem(key string, args ...any) Problem { return Problem{Key: key, Args: args} }

// In is the problem's text in lang ("en" or "fr"; anything else is
// English).
func (p Problem) In(lang string) string { return ImportText(lang, p.Key, p.Args...) }

func (p Problem) String() string { return p.In("en") }

// ImportText is the catalogue's message key in lang with args ("en" or
// "fr"; anything else is English). A key the catalogue lacks is a bug,
// shown as such rather than hidden.
func ImportText(lang, key string, args ...any) string {
	if lang != "fr" {
		lang = "en"
	}
	f, ok := importCatalogue[lang][key]
	if !ok {
		return fmt.Sprintf("!(%s %v)", key, args)
	}
	return fmt.Sprintf(f, args...)
}

// ImportLanguages are the languages of the import catalogue.
var ImportLanguages = []string{"en", "fr"}

// ImportKeys lists every key of the import catalogue, sorted.
func ImportKeys() []string {
	keys := make([]string, 0, len(importCatalogue["en"])+len(importCatalogue["fr"]))
	for _, lang := range ImportLanguages {
		for k := range importCatalogue[lang] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// problemOf is the problem a parse error of a password hash names.
func hashProblem(err error) Problem {
	var pe *passhash.Error
	if errors.As(err, &pe) {
		return problem("hash."+pe.Reason, pe.Args...)
	}
	return problem("hash.scheme")
}

// importCatalogue holds the import reports' messages by language, fmt
// formats: the file as a whole (file., csv., json.), its rows (row.,
// field., legacy., record.), the password hashes (hash.<passhash
// reason>; English from passhash.Reasons) and the commands' summaries
// (report.). TestImportCatalogueComplete checks that both languages have
// every key with the same verbs.
var importCatalogue = map[string]map[string]string{
	"en": withHashReasons(map[string]string{
		"file.too_large":        "the file is larger than %d MiB",
		"file.too_many_rows":    "the file has more than %d rows: split it into several files",
		"file.format":           "the format must be csv or json, got %q",
		"file.unreadable":       "cannot read the file: %v",
		"client.unknown":        "no client %q in the configuration file",
		"client.no_legacy":      "client %q does not list the legacy step (clients[].steps)",
		"client.no_records":     "client %q does not list the record step (clients[].steps, clients[].records)",
		"csv.empty":             "the file is empty: its first line must name the columns %s",
		"csv.unknown_column":    "line 1: unknown column %q (the columns are %s)",
		"csv.column_twice":      "line 1: column %q twice",
		"csv.column_missing":    "line 1: the column %q is missing",
		"csv.bare_quote":        "line %d, column %d: a quote (\") in a field that does not start with one; quote the whole field and double the quote",
		"csv.quote":             "line %d, column %d: a quoted field is not closed by a quote",
		"csv.field_count":       "line %d: not as many fields as the first line has columns",
		"csv.invalid":           "line %d: not CSV",
		"json.not_array":        "line 1: the file must be a JSON array of objects with %s",
		"json.syntax":           "line %d: not JSON (at byte %d)",
		"json.not_closed":       "line %d: the array is not closed by ]",
		"json.truncated":        "line %d: the file ends in the middle of this entry",
		"row.line":              "line %d: %s",
		"row.entry":             "line %d (entry %d): %s",
		"row.not_object":        "each entry must be an object",
		"row.not_string":        "%s must be a string",
		"row.unknown_field":     "unknown field %s (the fields are %s)",
		"row.field_twice":       "field %q twice",
		"field.empty":           "%s is empty",
		"field.too_long":        "%s must be at most %d printable characters",
		"field.email":           "email %q is not an address",
		"field.duplicate":       "%s %q is also on line %d",
		"field.duplicate_entry": "%s %q is also in entry %d",
		"legacy.username_held":  "username %q is already that of legacy ID %q",
		"record.date":           "%s %q is not a date (YYYY-MM-DD)",
		"record.attribute":      "%s is empty or longer than 128 characters",
		"record.invoice":        "invoice %q must be NUMBER:YYYY-MM-DD",
		"record.invoices_json":  "invoices must be an array of strings NUMBER:YYYY-MM-DD",
		"record.invoice_count":  "more than %d invoices",
		"record.key_held":       "%s is already that of record %q",
		"report.refused":        "%d bad row(s); nothing was imported (fix them, or use -skip-bad-rows)",
		"report.legacy":         "%d legacy account(s) of client %s imported, %d bad row(s) skipped",
		"report.records":        "%d record(s) of client %s imported, %d bad row(s) skipped",
		"unlinked.legacy":       "account %s: answer to %s's legacy step deleted; the next sign-in asks again",
		"unlinked.record":       "account %s: link to %s's record deleted; the claim is gone from the next token, and the next sign-in asks again",
	}),
	"fr": {
		"file.too_large":                      "le fichier dépasse %d Mio",
		"file.too_many_rows":                  "le fichier a plus de %d lignes : divisez-le en plusieurs fichiers",
		"file.format":                         "le format doit être csv ou json, et non %q",
		"file.unreadable":                     "impossible de lire le fichier : %v",
		"client.unknown":                      "aucun client %q dans le fichier de configuration",
		"client.no_legacy":                    "le client %q n’a pas l’étape legacy (clients[].steps)",
		"client.no_records":                   "le client %q n’a pas l’étape record (clients[].steps, clients[].records)",
		"csv.empty":                           "le fichier est vide : sa première ligne doit nommer les colonnes %s",
		"csv.unknown_column":                  "ligne 1 : colonne %q inconnue (les colonnes sont %s)",
		"csv.column_twice":                    "ligne 1 : la colonne %q figure deux fois",
		"csv.column_missing":                  "ligne 1 : la colonne %q manque",
		"csv.bare_quote":                      "ligne %d, colonne %d : un guillemet (\") dans un champ qui n’en commence pas par un; mettez tout le champ entre guillemets et doublez le guillemet",
		"csv.quote":                           "ligne %d, colonne %d : un champ entre guillemets n’est pas fermé par un guillemet",
		"csv.field_count":                     "ligne %d : pas autant de champs que la première ligne a de colonnes",
		"csv.invalid":                         "ligne %d : ce n’est pas du CSV",
		"json.not_array":                      "ligne 1 : le fichier doit être un tableau JSON d’objets avec %s",
		"json.syntax":                         "ligne %d : ce n’est pas du JSON (à l’octet %d)",
		"json.not_closed":                     "ligne %d : le tableau n’est pas fermé par ]",
		"json.truncated":                      "ligne %d : le fichier se termine au milieu de cette entrée",
		"row.line":                            "ligne %d : %s",
		"row.entry":                           "ligne %d (entrée %d) : %s",
		"row.not_object":                      "chaque entrée doit être un objet",
		"row.not_string":                      "%s doit être une chaîne",
		"row.unknown_field":                   "champ %s inconnu (les champs sont %s)",
		"row.field_twice":                     "le champ %q figure deux fois",
		"field.empty":                         "%s est vide",
		"field.too_long":                      "%s doit avoir au plus %d caractères imprimables",
		"field.email":                         "le courriel %q n’est pas une adresse",
		"field.duplicate":                     "%s %q figure aussi à la ligne %d",
		"field.duplicate_entry":               "%s %q figure aussi dans l’entrée %d",
		"legacy.username_held":                "le nom d’utilisateur %q est déjà celui de l’identifiant ancien %q",
		"record.date":                         "%s %q n’est pas une date (AAAA-MM-JJ)",
		"record.attribute":                    "%s est vide ou dépasse 128 caractères",
		"record.invoice":                      "la facture %q doit s’écrire NUMÉRO:AAAA-MM-JJ",
		"record.invoices_json":                "invoices doit être un tableau de chaînes NUMÉRO:AAAA-MM-JJ",
		"record.invoice_count":                "plus de %d factures",
		"record.key_held":                     "%s est déjà celui du dossier %q",
		"report.refused":                      "%d ligne(s) invalide(s); rien n’a été importé (corrigez-les, ou utilisez -skip-bad-rows)",
		"report.legacy":                       "%d ancien(s) compte(s) du client %s importé(s), %d ligne(s) invalide(s) ignorée(s)",
		"report.records":                      "%d dossier(s) du client %s importé(s), %d ligne(s) invalide(s) ignorée(s)",
		"unlinked.legacy":                     "compte %s : la réponse à l’étape d’ancien compte de %s est supprimée; la prochaine connexion la demandera de nouveau",
		"unlinked.record":                     "compte %s : le lien au dossier de %s est supprimé; la revendication disparaît du prochain jeton, et la prochaine connexion le demandera de nouveau",
		"hash." + passhash.ReasonScheme:       "password_hash : ce n’est pas un hachage bcrypt, argon2 ou PBKDF2 (attendu : $2b$…, $argon2id$…, $pbkdf2-sha256$…)",
		"hash." + passhash.ReasonBcrypt:       "password_hash : hachage bcrypt mal formé",
		"hash." + passhash.ReasonBcryptCost:   "password_hash : le coût bcrypt %d dépasse %d",
		"hash." + passhash.ReasonFields:       "password_hash : hachage %s mal formé : %d champs séparés par $ attendus",
		"hash." + passhash.ReasonSalt:         "password_hash : le sel %s doit faire de %d à %d octets en base64 sans remplissage",
		"hash." + passhash.ReasonKey:          "password_hash : le hachage %s doit faire de %d à %d octets en base64 sans remplissage",
		"hash." + passhash.ReasonArgonVersion: "password_hash : la version %s doit être v=19, et non %q",
		"hash." + passhash.ReasonArgonParams:  "password_hash : les paramètres %s doivent être m=…,t=…,p=… avec des nombres positifs",
		"hash." + passhash.ReasonArgonMemory:  "password_hash : la mémoire %s m=%d Kio dépasse %d",
		"hash." + passhash.ReasonArgonTime:    "password_hash : le temps et le parallélisme %s doivent être d’au plus %d",
		"hash." + passhash.ReasonArgonLanes:   "password_hash : la mémoire %s doit être d’au moins 8 Kio par voie",
		"hash." + passhash.ReasonPBKDF2Digest: "password_hash : l’empreinte PBKDF2 %q n’est pas sha256, sha512 ou sha1",
		"hash." + passhash.ReasonPBKDF2Iter:   "password_hash : les itérations %s doivent être de i=1 à i=%d",
	},
}

// withHashReasons adds passhash's English reasons to the English
// catalogue, as hash.<reason>.
func withHashReasons(en map[string]string) map[string]string {
	for reason, text := range passhash.Reasons {
		en["hash."+reason] = "password_hash: " + text
	}
	return en
}
