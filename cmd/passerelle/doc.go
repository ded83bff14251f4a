// Command passerelle runs the Passerelle OpenID Connect identity broker,
// and the administrators' commands that work on its store.
//
//	passerelle serve [-config FILE]
//	    run the broker; SIGHUP rereads clients and providers; serve and demo
//	    run the garbage collector at GOGC=400 with a ceiling (GOMEMLIMIT) at
//	    90% of the container's memory limit, unless the environment sets
//	    GOGC or GOMEMLIMIT (gc.go says why and what it costs)
//	passerelle demo [-addr HOST:PORT] [-side HOST:PORT] [-data DIR]
//	    run a self-contained demo: the broker at -addr (localhost:8080), demo
//	    upstreams, two demo relying parties (a government portal; a trusted-
//	    trader portal with terms of use at every sign-in, from demoterms/)
//	    and the outbox at -side (by default 127.0.0.1 at the broker's port
//	    plus one, so the same from run to run; a taken port says how to
//	    pick another), its store and a generated master key in -data
//	    (passerelle-demo); never reads a configuration file
//	passerelle config validate FILE
//	    list every problem of a configuration file
//	passerelle clients list [-config FILE]
//	    list the relying parties, from the configuration and the store
//	passerelle clients add [-config FILE] -id ID -redirect-uri URI [-redirect-uri URI ...]
//	        [-post-logout-redirect-uri URI ...] [-allow-provider P ...] [-upstream-claim email|name|locale ...] [-public]
//	        [-name-en NAME] [-name-fr NAME] [-step organization] [-organizations FILE]
//	    add a relying party to the store; -allow-provider repeats (none means
//	    every provider), -upstream-claim repeats (none means the client receives
//	    nothing an upstream gave, and a provider must release the claim too),
//	    -public makes a client without a secret that must use PKCE, the names
//	    default to the ID; -organizations reads the client's role table and
//	    how people join from a YAML file shaped like clients[].organizations,
//	    checked with the configuration file's rules, and -step organization
//	    asks for one at sign-in; the secret, if any, is shown once
//	passerelle clients remove [-config FILE] -id ID
//	passerelle clients rotate-secret [-config FILE] -id ID
//	    remove a stored client, or give it a new secret (shown once)
//
//	    The clients commands work while the broker runs: a serving broker
//	    holds the bbolt file, so when the file is locked they ask that broker
//	    to do the same operation through its admin API (admin.token), at
//	    -server URL or by default its own listener (server.listen), as
//	    store backup does; the running broker uses the new client at once.
//	    PostgreSQL is shared, and the commands use it directly.
//	passerelle accounts show|lock|unlock|reactivate|reset-mfa [-config FILE] -urn URN
//	passerelle accounts unlink [-config FILE] -urn URN -provider P
//	    show a person's account as JSON, lock or unlock it, reactivate it
//	    when it went dormant (accounts.dormant_after), remove its second
//	    factors, or unlink the credential of provider P from it
//	passerelle orgs list|show|create|add-member|set-role|remove-member|transfer|set-status|invite|revoke|letters|void-letters
//	        [-config FILE] -client ID [-org ID] [-urn URN] [-role ROLE] ...
//	    a client's organizations (clients[].organizations): list or show them
//	    (JSON), create one (-number, -name-en, -name-fr; -pending: awaiting
//	    activation by a mailed code), add a member with a role (the owner
//	    role when there is no owner yet), change a member's role, remove a
//	    member, make a member the owner, suspend or reactivate it
//	    (-status suspended|active), invite (the code is shown once),
//	    revoke an invitation (-invitation ID); letters is the operator's
//	    export for the mail house: one CSV line per activation code asked
//	    for (external number, names, code, expiry), each code made then and
//	    shown this once
//	passerelle legacy import [-config FILE] -client ID [-format csv|json] [-skip-bad-rows] [-lang en|fr] ACCOUNTS
//	    import a client's legacy accounts (legacy_id, username, password_hash in
//	    bcrypt, PBKDF2 or argon2 PHC form, email) from CSV or a JSON array of
//	    objects (-format defaults to the file's extension); every bad row is
//	    printed with its line (and, in JSON, its entry), and nothing is
//	    imported unless -skip-bad-rows
//	passerelle legacy show [-config FILE] -client ID -urn URN|-legacy-id ID
//	passerelle legacy unlink [-config FILE] -client ID -urn URN
//	    show an account's answer to the client's legacy step (or who linked a
//	    legacy ID), or delete it so the next sign-in asks again
//	passerelle records import [-config FILE] -client ID [-format csv|json] [-skip-bad-rows] [-lang en|fr] RECORDS
//	    import a client's record file (record_id, email, the attributes of
//	    clients[].records, invoices: in CSV NUMBER:YYYY-MM-DD;..., in JSON an
//	    array of NUMBER:YYYY-MM-DD strings); every bad row is printed with its
//	    line (and entry), and nothing is imported unless -skip-bad-rows
//	passerelle records show|unlink [-config FILE] -client ID -urn URN
//	    show the record of the client an account linked, or delete the link
//	    (audited, the owner emailed): the record is free again, the client's
//	    tokens carry no record claim from then on, and the next sign-in asks
//	passerelle records requests [-config FILE] -client ID [-all]
//	passerelle records resolve [-config FILE] -client ID -request ID -link|-close [-note TEXT]
//	    list the requests for an agent's help (open ones unless -all), and
//	    resolve one: link the record to the person's account, or close it
//	passerelle keys list|rotate [-config FILE]
//	    list the signing keys; rotate first publishes a new key per algorithm,
//	    which signs from a later time
//	passerelle store migrate [-config FILE]
//	    apply the PostgreSQL schema's migrations (store.driver postgres; safe
//	    to run twice, or from two replicas at once)
//	passerelle store copy -from FILE.db [-config FILE]
//	    copy a bbolt store's durable records into the configured PostgreSQL;
//	    stop the broker using the file first, and serve with the same master key
//	passerelle store backup [-config FILE] [-server URL] OUT
//	    write a consistent copy of the bbolt store to OUT (via OUT.tmp, synced,
//	    renamed): a stopped file is read directly; a file a running broker
//	    holds (it keeps bbolt's exclusive lock while it serves) is copied by
//	    that broker from one read transaction and downloaded through the
//	    admin API (GET /admin/store/backup, admin.token) from -server, by
//	    default its own listener. To restore, stop the broker, put the copy
//	    at store.bolt.path and start it with the same master key. PostgreSQL
//	    is backed up with its own tools: pg_dump -Fc -f OUT DSN (a
//	    consistent snapshot while brokers serve), restored with
//	    pg_restore -d DSN OUT into an empty database, then the brokers
//	    started with the same master key (tested end to end like bbolt's).
//	    libpq's tools refuse a search_path in the DSN: give them the DSN
//	    without it and name the schema with pg_dump -n SCHEMA
//	passerelle store compact [-config FILE]
//	    rewrite the stopped bbolt file to its live data (bbolt's compaction)
//	    and put it in place; the file never shrinks otherwise (a sweep frees
//	    pages for reuse only); refuses a file a broker is serving
//	passerelle audit export [-config FILE] [-since DURATION|RFC3339]
//	    write the audit log since -since (24h) as JSON lines, oldest first
//	passerelle help
//	    print the usage text (so do -h and --help)
//
// The import commands report in English or French: -lang en|fr, else the
// locale of the environment as POSIX programs read it (the first of
// LC_ALL, LC_MESSAGES and LANG that is set; French when it starts with
// "fr", as in fr_CA.UTF-8), else English. Every message of their reports
// (a bad row, a file refused as a whole, the summary) comes from the
// import catalogue of package admin, which holds each in both languages.
// An import file is at most 64 MiB and 250,000 rows (admin.MaxImportFileBytes,
// admin.MaxImportRows); a larger one is refused whole: split it.
//
// -config defaults to passerelle.yaml. The clients, accounts, orgs and keys
// commands run the operations of the admin HTTP API (package admin) on the
// configured store, and every change is audited with actor "admin"; the
// API can also update a client, which no command does. A usage error exits
// with status 2, any other error with status 1.
//
// main is load → validate → build → serve; everything else lives in the
// packages.
package main
