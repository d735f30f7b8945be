package config

import (
	"slices"
	"strings"
	"time"

	"github.com/seed-d040b84d/portcullis/lib/annotations"
	"github.com/seed-d040b84d/portcullis/lib/annotations/grammar"
)

func good(v ...string) []string { return v }

func bad(pairs ...string) []annotations.Refusal {
	out := make([]annotations.Refusal, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, annotations.Refusal{Value: pairs[i], Message: pairs[i+1]})
	}
	return out
}

func boolRow(key, def, doc string, set func(c *Config, v bool)) Row {
	return Row{
		Key: key, Default: def, Doc: doc,
		Value:    grammar.Bind(grammar.Bool, set),
		Examples: annotations.Examples{Good: good("true", "false"), Bad: bad("True", `must be "true" or "false", got "True"; did you mean "true"?`)},
	}
}

var rows = slices.Concat([]Row{
	{
		Key: "ssl-protocols", Default: "TLSv1.2 TLSv1.3",
		Doc:      "TLS versions offered to clients. `TLSv1` and `TLSv1.1` only with `allow-legacy-tls: \"true\"` in the same ConfigMap.",
		Value:    grammar.Bind(grammar.Protocols, func(c *Config, v []string) { c.SSLProtocols = v }),
		Examples: annotations.Examples{Good: good("TLSv1.3", "TLSv1.2 TLSv1.3"), Bad: bad("TLSv1.1 TLSv1.2", `allowed only with ConfigMap allow-legacy-tls: "true"`, "SSLv3", "unknown protocol")},
	},
	{
		Key: "ssl-ciphers", Default: DefaultSSLCiphers,
		Doc:      "OpenSSL cipher list offered to clients (TLS 1.2 and below); ingress-nginx's default. Lists that select weak ciphers (NULL, anonymous, export, RC4, DES, 3DES, MD5) or none are refused: see docs/security.md.",
		Value:    grammar.Bind(grammar.Ciphers, func(c *Config, v string) { c.SSLCiphers = v }),
		Examples: annotations.Examples{Good: good("HIGH:!aNULL:!MD5"), Bad: bad("HIGH;", "not allowed in a cipher string", "ALL:!aNULL:RC4+RSA:+HIGH", `"RC4+RSA" adds RC4 ciphers`, "HIGH", `add "!aNULL" after it`)},
	},
	boolRow("ssl-prefer-server-ciphers", "true", "Prefer the server's cipher order over the client's.", func(c *Config, v bool) { c.SSLPreferServerCiphers = v }),
	{
		Key: "ssl-ecdh-curve", Default: "auto",
		Doc:      "Curves for ECDHE key exchange.",
		Value:    grammar.Bind(curves, func(c *Config, v string) { c.SSLECDHCurve = v }),
		Examples: annotations.Examples{Good: good("auto", "X25519:prime256v1"), Bad: bad("X25519;", `must be "auto" or curve names`)},
	},
	boolRow("ssl-session-cache", "true", "Keep a shared TLS session cache.", func(c *Config, v bool) { c.SSLSessionCache = v }),
	{
		Key: "ssl-session-cache-size", Default: "10m",
		Doc:      "Size of the shared TLS session cache.",
		Value:    grammar.Bind(grammar.NginxSize, func(c *Config, v int64) { c.SSLSessionCacheSize = v }),
		Examples: annotations.Examples{Good: good("10m", "512k"), Bad: bad("10MB", "must be an nginx size", "1g", "must be an nginx size")},
	},
	{
		Key: "ssl-session-timeout", Default: "10m",
		Doc:      "How long a TLS session may be resumed.",
		Value:    grammar.Bind(grammar.NginxTime, func(c *Config, v time.Duration) { c.SSLSessionTimeout = v }),
		Examples: annotations.Examples{Good: good("10m", "1h30m", "600"), Bad: bad("10 minutes", "must be an nginx time", "30m1h", "largest first")},
	},
	boolRow("ssl-session-tickets", "false", "Resume TLS sessions with tickets (off: tickets weaken forward secrecy unless their keys rotate).", func(c *Config, v bool) { c.SSLSessionTickets = v }),
	{
		Key: "ssl-buffer-size", Default: "4k",
		Doc:      "Size of the buffer for sending TLS records.",
		Value:    grammar.Bind(grammar.NginxSize, func(c *Config, v int64) { c.SSLBufferSize = v }),
		Examples: annotations.Examples{Good: good("4k", "16k"), Bad: bad("4 k", "must be an nginx size")},
	},
	boolRow("ssl-reject-handshake", "false", "`false`: a client asking for an unknown host (SNI) gets the default certificate; `true`: its handshake is refused.", func(c *Config, v bool) { c.SSLRejectHandshake = v }),
	boolRow("hsts", "true", "Send `Strict-Transport-Security` on HTTPS responses of hosts with their own certificate.", func(c *Config, v bool) { c.HSTS = v }),
	{
		Key: "hsts-max-age", Default: "31536000",
		Doc:      "HSTS `max-age` in seconds.",
		Value:    grammar.Bind(grammar.Int64Min(0), func(c *Config, v int64) { c.HSTSMaxAge = v }),
		Examples: annotations.Examples{Good: good("31536000", "0"), Bad: bad("-1", "integer ≥ 0", "1y", "integer ≥ 0")},
	},
	boolRow("hsts-include-subdomains", "true", "Add `includeSubDomains` to HSTS.", func(c *Config, v bool) { c.HSTSIncludeSubdomains = v }),
	boolRow("hsts-preload", "false", "Add `preload` to HSTS.", func(c *Config, v bool) { c.HSTSPreload = v }),
	boolRow("ssl-redirect", "true", "Redirect plain HTTP to HTTPS on hosts with TLS (annotation `ssl-redirect` overrides).", func(c *Config, v bool) { c.SSLRedirect = v }),
	boolRow("force-ssl-redirect", "false", "Redirect plain HTTP to HTTPS even on hosts without TLS (annotation `force-ssl-redirect` overrides).", func(c *Config, v bool) { c.ForceSSLRedirect = v }),
	{
		Key: "http-redirect-code", Default: "308",
		Doc:      "Status code of HTTP to HTTPS redirects.",
		Value:    grammar.Bind(grammar.IntOneOf(301, 302, 307, 308), func(c *Config, v int) { c.HTTPRedirectCode = v }),
		Examples: annotations.Examples{Good: good("301", "308"), Bad: bad("303", `allowed: "301", "302", "307" or "308"; did you mean "301"?`)},
	},
	{
		Key: "no-tls-redirect-locations", Default: "/.well-known/acme-challenge",
		Doc:      "Path prefixes never redirected to HTTPS (ACME HTTP-01 challenges must stay reachable over HTTP).",
		Value:    grammar.Bind(grammar.AbsPaths, func(c *Config, v []string) { c.NoTLSRedirectLocations = v }),
		Examples: annotations.Examples{Good: good("/.well-known/acme-challenge,/healthz"), Bad: bad(".well-known", "not an absolute path", "/a, /b", "not an absolute path", "", "not an absolute path")},
	},
	{
		Key:      "allowlist-source-range",
		Doc:      "Client addresses allowed on every path whose Ingress sets no `allowlist-source-range` (or `whitelist-source-range`) and no `accessControl` Policy of its own; every other client gets 403. Empty: everyone.",
		Value:    grammar.Bind(optionalSourceRanges, func(c *Config, v []string) { c.AllowlistSourceRange = v }),
		Examples: annotations.Examples{Good: good("10.0.0.0/8,192.168.0.0/16", ""), Bad: bad("10.0.0.0/8 192.168.0.0/16", "is not an IP address or CIDR")},
	},
	{
		Key:      "whitelist-source-range",
		Doc:      "The older name of `allowlist-source-range`; both set to different lists is refused.",
		Value:    grammar.Bind(optionalSourceRanges, func(c *Config, v []string) { c.AllowlistSourceRange = v }),
		Examples: annotations.Examples{Good: good("192.0.2.0/24"), Bad: bad("192.0.2.0/24,", "entry an empty value")},
	},
	{
		Key:      "denylist-source-range",
		Doc:      "Client addresses refused with 403 on every path whose Ingress sets no `denylist-source-range` and no `accessControl` Policy of its own. Empty: none.",
		Value:    grammar.Bind(optionalSourceRanges, func(c *Config, v []string) { c.DenylistSourceRange = v }),
		Examples: annotations.Examples{Good: good("203.0.113.0/24", ""), Bad: bad("203.0.113.0/24;", "is not an IP address or CIDR")},
	},
	boolRow("allow-cross-namespace-resources", "false", "Let annotations reference secrets, and `nginx.org/policies` reference Policies, in other namespaces than the Ingress's.", func(c *Config, v bool) { c.AllowCrossNamespaceResources = v }),
	boolRow("allow-cross-namespace-hosts", "false", "Let Ingresses of any namespace add paths to a host that an Ingress of another namespace already names (ingress-nginx merged them). `false`: a host belongs to the namespace of the oldest Ingress naming it, and only that namespace, or those its namespace annotation `portcullis.dev/share-hosts-with` lists, may add to it.", func(c *Config, v bool) { c.AllowCrossNamespaceHosts = v }),
	boolRow("allow-legacy-tls", "false", "Allow `TLSv1` and `TLSv1.1` in `ssl-protocols` and `proxy-ssl-protocols`.", func(c *Config, v bool) { c.AllowLegacyTLS = v }),
	{
		Key: "use-forwarded-headers", Default: "false",
		Doc:      "Take the client address (what source ranges see) from `X-Forwarded-For` when the connection comes from `proxy-real-ip-cidr`, skipping trusted hops from the right: for an L7 load balancer in front. Requires `proxy-real-ip-cidr`. Behind the passthrough proxy it applies to plain HTTP; TLS connections take the address from the proxy's PROXY header.",
		Value:    grammar.Bind(grammar.Bool, func(c *Config, v bool) { c.UseForwardedHeaders = v }),
		Examples: annotations.Examples{Good: good("true", "false"), Bad: bad("True", `did you mean "true"?`), With: map[string]string{"proxy-real-ip-cidr": "10.0.0.0/8"}},
	},
	{
		Key:      "proxy-real-ip-cidr",
		Doc:      "The load balancers whose `X-Forwarded-For` is trusted with `use-forwarded-headers`, and whose PROXY headers the passthrough proxy reads with `use-proxy-protocol`. No default: ingress-nginx's `0.0.0.0/0` trusts every client.",
		Value:    grammar.Bind(optionalSourceRanges, func(c *Config, v []string) { c.ProxyRealIPCIDR = v }),
		Examples: annotations.Examples{Good: good("10.0.0.0/8", "10.0.0.0/8,192.168.0.0/16"), Bad: bad("10.0.0.0/8 192.168.0.0/16", "is not an IP address or CIDR")},
	},
	{
		Key: "worker-processes", Default: "auto",
		Doc:      "nginx worker processes: `auto` (one per CPU the manager may use) or a count.",
		Value:    grammar.Bind(workerCount, func(c *Config, v int) { c.WorkerProcesses = v }),
		Examples: annotations.Examples{Good: good("auto", "4"), Bad: bad("0", `must be "auto" or an integer from 1 to 1024`, "Auto", `must be "auto"`)},
	},
	{
		Key: "max-worker-connections", Default: "16384",
		Doc:      "Connections each worker may hold (client and upstream together), nginx's `worker_connections`.",
		Value:    grammar.Bind(grammar.IntRange(512, 1048576), func(c *Config, v int) { c.MaxWorkerConnections = v }),
		Examples: annotations.Examples{Good: good("16384", "65536"), Bad: bad("100", "an integer from 512 to 1048576")},
	},
	{
		Key: "max-worker-open-files", Default: "0",
		Doc:      "Each worker's open-file limit (`worker_rlimit_nofile`); `0` computes it: twice `max-worker-connections` plus 1024. The manager warns at startup when its own limit is lower.",
		Value:    grammar.Bind(grammar.IntRange(0, 4194304), func(c *Config, v int) { c.MaxWorkerOpenFiles = v }),
		Examples: annotations.Examples{Good: good("0", "65536"), Bad: bad("-1", "an integer from 0 to 4194304")},
	},
	{
		Key: "worker-shutdown-timeout", Default: "240s",
		Doc:      "How long the workers of a previous configuration keep serving their open connections (WebSockets, long downloads) after a reload, so they do not pile up.",
		Value:    grammar.Bind(grammar.NginxTime, func(c *Config, v time.Duration) { c.WorkerShutdownTimeout = v }),
		Examples: annotations.Examples{Good: good("240s", "10m"), Bad: bad("4 minutes", "must be an nginx time")},
	},
	{
		Key: "ssl-certificate-mode", Default: "dynamic",
		Doc:      "How nginx loads the hosts' certificates. `dynamic`: at each full handshake, from the file of the host the client named (SNI); a change converges in about a second at 10,000 hosts, and a certificate renewed with the same private key is served without a reload. `static`: every certificate when nginx reloads, each host in its own TLS context; a full handshake costs less CPU, every change reloads them all. See docs/performance.md for which to choose.",
		Value:    grammar.Bind(grammar.Enum("dynamic", "static"), func(c *Config, v string) { c.StaticCertificates = v == "static" }),
		Examples: annotations.Examples{Good: good("dynamic", "static"), Bad: bad("Static", `did you mean "static"?`, "lua", `allowed: "dynamic" or "static"`)},
	},
	boolRow("disable-access-log", "false", "Turn nginx's access log off. It is on by default: one line per request on the manager container's standard output (`portcullis dev`: a file in its state directory).", func(c *Config, v bool) { c.DisableAccessLog = v }),
	{
		Key: "log-format-upstream", Default: DefaultLogFields,
		Doc:      "The access log's fields, comma-separated, from: " + strings.Join(LogFieldNames, ", ") + ". A list of known fields, not an nginx format string (free-form formats were ingress-nginx's CVE-2023-5043): no header, cookie, credential or client certificate can be logged.",
		Value:    grammar.Bind(logFields, func(c *Config, v []string) { c.LogFields = v }),
		Examples: annotations.Examples{Good: good("time,request_id,status", "remote_addr,host,uri,status,upstream_response_time"), Bad: bad("time,$http_authorization", "is not a log field", "time,time", "listed twice", "", "is not a log field")},
	},
	boolRow("log-format-escape-json", "false", "Write each access log line as a JSON object (values JSON-escaped) instead of `field=\"value\"` pairs.", func(c *Config, v bool) { c.LogJSON = v }),
	boolRow("generate-request-id", "true", "Send backends `X-Request-ID`: the client's when it sent one, else a random ID nginx makes (`$request_id`). `false`: only the client's.", func(c *Config, v bool) { c.GenerateRequestID = v }),
	{
		Key: "use-proxy-protocol", Default: "false",
		Doc:      "A layer-4 load balancer in front sends a PROXY protocol header first on every connection: nginx's listeners (and, with `--enable-ssl-passthrough`, the passthrough proxy, which reads this key when the manager starts) require it, and take the client address from it when the connection comes from `proxy-real-ip-cidr` (required); from another peer the proxy closes the connection and nginx keeps the peer's own address. Not with `use-forwarded-headers`.",
		Value:    grammar.Bind(grammar.Bool, func(c *Config, v bool) { c.UseProxyProtocol = v }),
		Examples: annotations.Examples{Good: good("true", "false"), Bad: bad("yes", `did you mean "true"?`), With: map[string]string{"proxy-real-ip-cidr": "10.0.0.0/8"}},
	},
	{
		Key:      "default-issuer",
		Doc:      "cert-manager issuer the mutating webhook adds to Ingresses of ours that have a TLS entry with a `secretName` and no issuer annotation (namespace annotation `portcullis.dev/default-issuer` overrides, `none` turns it off).",
		Value:    grammar.Bind(issuerRefGrammar, func(c *Config, v *IssuerRef) { c.DefaultIssuer = v }),
		Examples: annotations.Examples{Good: good("ClusterIssuer/letsencrypt", "Issuer/ca", "awspca.cert-manager.io/AWSPCAClusterIssuer/pca"), Bad: bad("clusterissuer/x", `did you mean "ClusterIssuer"?`, "letsencrypt", `must be "ClusterIssuer/<name>"`, "ClusterIssuer/Lets_Encrypt", "not a valid issuer name")},
	},
	{
		Key:      "default-certificate-annotations",
		Doc:      "cert-manager annotations the mutating webhook adds (when absent) next to the default issuer, as a YAML map, e.g. `cert-manager.io/private-key-algorithm: ECDSA`. Each is validated like the annotation itself; issuer keys are not allowed here.",
		Value:    grammar.Bind(certificateAnnotations, func(c *Config, v map[string]string) { c.DefaultCertificateAnnotations = v }),
		Examples: annotations.Examples{Good: good("cert-manager.io/private-key-algorithm: ECDSA\ncert-manager.io/private-key-size: 384\n", `{"cert-manager.io/duration": "2160h"}`), Bad: bad("cert-manager.io/private-key-algorithm: ecdsa", `cert-manager.io/private-key-algorithm: got "ecdsa"`, "cert-manager.io/cluster-issuer: x", "chosen by default-issuer", "cert-manager.io/duraton: 1h", `did you mean "cert-manager.io/duration"?`, "- a\n- b", "must be a YAML map")},
	},
	{
		Key:      "policies",
		Doc:      "Built-in Rego policies to turn on: `require-mtls`, `deny-proxy-ssl-verify-off`, `min-tls-version`, `require-cert-manager`, `deny-default-certificate`, `max-certificate-lifetime`.",
		Value:    grammar.Bind(policyList, func(c *Config, v []string) { c.Policies = v }),
		Examples: annotations.Examples{Good: good("require-mtls,min-tls-version", "require-mtls, deny-default-certificate"), Bad: bad("require-mlts", `did you mean "require-mtls"?`, "require-mtls,require-mtls", "listed twice")},
	},
	{
		Key: "min-tls-version", Default: "TLSv1.2",
		Doc:      "Lowest TLS version the `min-tls-version` policy admits.",
		Value:    grammar.Bind(grammar.Enum("TLSv1.2", "TLSv1.3"), func(c *Config, v string) { c.MinTLSVersion = v }),
		Examples: annotations.Examples{Good: good("TLSv1.3"), Bad: bad("1.3", `allowed: "TLSv1.2" or "TLSv1.3"`, "TLSv13", `did you mean "TLSv1.3"?`), With: map[string]string{"policies": "min-tls-version"}},
	},
	{
		Key: "max-certificate-lifetime", Default: "9552h",
		Doc:      "Longest certificate lifetime the `max-certificate-lifetime` policy admits (Go duration; 9552h = 398 days, the CA/Browser Forum limit).",
		Value:    grammar.Bind(grammar.GoDuration(time.Hour), func(c *Config, v time.Duration) { c.MaxCertificateLifetime = v }),
		Examples: annotations.Examples{Good: good("2160h"), Bad: bad("90d", `write "90d" as "2160h"`), With: map[string]string{"policies": "max-certificate-lifetime"}},
	},
}, trafficRows, errorRows, bufferRows)
