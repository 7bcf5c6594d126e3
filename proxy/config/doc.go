// Package config parses the subset of HAProxy 2.6's haproxy.cfg that the
// haplog proxy implements, into a resolved, typed model the runtime uses
// as is.
//
// # What it owns
//
//   - The line syntax (Tokenize): comments, blanks, backslash escapes,
//     double quotes with $VAR / ${VAR} / ${VAR-default} / ${VAR[*]}
//     expansion, single quotes, and the conditional blocks .if / .elif /
//     .else / .endif with .notice / .warning / .alert / .diag. Conditions
//     are haproxy 2.6's expressions (ifcond.go): &&, ||, !, parentheses,
//     C integers and the predicates defined, feature, streq, strneq,
//     version_atleast and version_before (against 2.6.12). feature() is
//     true for what this implementation does (OPENSSL for TLS, PROMEX,
//     THREAD, SLZ, EPOLL, POLL, ACCEPT4, GETADDRINFO), so LUA is false;
//     openssl_version_* and ssllib_name_startswith are refused, TLS here
//     not being OpenSSL.
//   - tcp-request connection accept and reject, with their conditions
//     (tcprules.go); only addresses, ports, nbsrv and the constants have a
//     value at that stage, and an ACL of other fetches is warned about, as
//     haproxy warns (it never matches). Its other actions, tcp-request
//     content, session and inspect-delay are refused.
//   - Where haproxy stops reading (its ERR_ABORT: a refused http-request
//     or http-response rule, .alert, a malformed conditional block, a
//     proxy without a name or with an unknown "from"), no further line or
//     file is read and -c prints what haproxy prints, no more.
//   - Sections global, defaults (anonymous and named, "from"), frontend,
//     backend and listen. userlist, peers, resolvers, mailers,
//     http-errors, ring and cache sections are skipped with a warning
//     (what would use them is refused); program and log-forward sections
//     are refused.
//   - The directive tables and their checks, with HAProxy's wording where
//     it was verified against haproxy 2.6 ("unknown keyword 'x' in
//     'global' section", "'bind' ignored because backend 'b' has no
//     frontend capability.", "missing timeouts for frontend 'f'." ...).
//   - The resolved model (Config, Global, Proxy, Server, LogTarget ...):
//     defaults copied into each proxy, "log global" expanded, backend names
//     turned into pointers, built-in log formats turned into their
//     log-format strings, HTTP-only settings dropped (with HAProxy's
//     warning) on TCP proxies.
//   - ACL conditions (Cond, ACL, Matcher) with an allocation-free Eval over
//     a small Sampler interface the runtime implements.
//   - Check, the "-c" mode: HAProxy's output layout and exit statuses
//     (0 valid, 1 errors, 2 valid but no listener).
//
// What it does not own: running anything. Files referenced by the
// configuration (errorfile, acl -f, return file, bind crt) are read and
// checked while parsing, as HAProxy does before chroot; nothing is bound,
// resolved through DNS or executed.
//
// # Unsupported directives
//
// Keywords outside the subset are never silently dropped. A directive
// either works as in HAProxy 2.6, or is refused with an error naming
// file:line (wrapping ErrUnsupported, or ErrUnknownKeyword for unknown
// ones), or, when it truly has no effect here (performance tuning,
// debugging switches, settings of features refused elsewhere), is
// accepted with a warning saying it is ignored. The runtime adds its own
// verdict (proxy.Validate) for settings it cannot honour. The full table,
// checked against HAProxy 2.6's keyword list by TestHAProxyKeywords, is
// docs/haproxy-directives.md. Two deliberate differences from HAProxy:
// numeric arguments are validated (HAProxy reads "maxconn abc" as 0), and
// server host names are kept as written (HAProxy resolves them during
// the check).
//
// TLS settings (ca-base, crt-base, ssl-default-bind-* and -server-*, the
// TLS keywords of bind and server lines) are resolved here for crypto/tls
// (TLSOptions): EvalCipherList evaluates OpenSSL cipher expressions and
// EvalCipherSuites TLS 1.3 suite lists.
//
// # Errors
//
// Parse returns an Errors value (a diag.List); each *Diag (internal/diag,
// the diagnostics type of every config reader) carries File, Line and a
// message, and wraps one of the sentinels (ErrUnknownKeyword, ErrSyntax,
// ErrUnsupported, ErrReference, ErrWarnings) or the underlying I/O error.
// The returned *Config is never nil: on error it carries the warnings
// collected so far but must not be run.
package config
