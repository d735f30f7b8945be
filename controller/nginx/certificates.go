package nginx

// The TLS side of a server: its certificate (per handshake or loaded with the
// configuration), client authentication, HSTS, and TLS to backends.

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/lib/intent"
)

// certVar is the served certificate file (chain and key) of the server
// name the client sent, with dynamic certificates.
const certVar = "$portcullis_certificate"

// certificateMap maps the server name of a TLS handshake (SNI) to the file
// of the host's certificate, the default certificate otherwise: nginx loads
// it at each full handshake, so a reload loads no certificate. Exact names
// come first, then the one-label wildcards, as server_name chooses.
func (r *renderer) certificateMap(m *dataplane.Model) (*Node, error) {
	def, err := r.file(m.Default.Cert.Cert)
	if err != nil {
		return nil, err
	}
	out := blk("map", []Arg{lit("$ssl_server_name"), lit(certVar)}, entry(lit("default"), def))
	var wildcards []*Node
	for _, s := range m.Servers {
		if s.TLS == nil || s.Reject {
			continue
		}
		if s.TLS.Cert.Cert != s.TLS.Cert.Key {
			return nil, fmt.Errorf("nginx: host %s: a served certificate is one file of chain and key", s.Host)
		}
		f, err := r.file(s.TLS.Cert.Cert)
		if err != nil {
			return nil, err
		}
		if !dataplane.SafeHost(s.Host) {
			return nil, fmt.Errorf("nginx: host %q is not an RFC 1123 name", s.Host)
		}
		if rest, ok := strings.CutPrefix(s.Host, "*."); ok {
			// Case-insensitive: nginx lowers the name to look up exact
			// keys, not for regular expressions.
			wildcards = append(wildcards, entry(regex(`~*^[^.]+\.`+strings.ReplaceAll(rest, ".", `\.`)+`$`), f))
			continue
		}
		out.add(entry(mapKey(s.Host), f))
	}
	return out.add(wildcards...), nil
}

// HotFile says whether nginx reads f at each handshake rather than when it
// loads the configuration: a served certificate with dynamic certificates.
// Its content can then change without a reload.
func HotFile(m *dataplane.Model, f dataplane.File) bool {
	return f.Replaceable && !m.TLS.StaticCertificates
}

// ownContext says whether a host's TLS server needs its own OpenSSL
// context: client certificates, protocols and ciphers are a context's, not
// a handshake's. Other hosts share the default server's.
func (r *renderer) ownContext(s dataplane.Server) bool {
	t := s.TLS
	g := r.global
	return g.StaticCertificates || s.ClientAuth != nil || !slices.Equal(t.Protocols, g.Protocols) ||
		t.Ciphers != g.Ciphers || t.PreferServerCiphers != g.PreferServerCiphers
}

// serverCertificate are the certificate directives of a TLS server.
func (r *renderer) serverCertificate(kp dataplane.KeyPair) ([]*Node, error) {
	if r.global.StaticCertificates {
		return r.keyPair(kp, "ssl_certificate", "ssl_certificate_key")
	}
	return []*Node{d("ssl_certificate", lit(certVar)), d("ssl_certificate_key", lit(certVar))}, nil
}

func (r *renderer) keyPair(kp dataplane.KeyPair, cert, key string) ([]*Node, error) {
	c, err := r.file(kp.Cert)
	if err != nil {
		return nil, err
	}
	k, err := r.file(kp.Key)
	if err != nil {
		return nil, err
	}
	return []*Node{d(cert, c), d(key, k)}, nil
}

// sslVerifyClient is nginx's ssl_verify_client for what a host asks of a
// client's certificate.
func sslVerifyClient(c intent.ClientCertificate) (string, error) {
	switch c {
	case intent.ClientCertRequired:
		return "on", nil
	case intent.ClientCertOptional:
		return "optional", nil
	case intent.ClientCertOptionalUntrusted:
		return "optional_no_ca", nil
	}
	return "", fmt.Errorf("nginx: client certificate policy %q", c)
}

func (r *renderer) clientAuth(s dataplane.Server) ([]*Node, error) {
	a := s.ClientAuth
	var out []*Node
	if a.CA != "" {
		ca, err := r.file(a.CA)
		if err != nil {
			return nil, err
		}
		out = append(out, d("ssl_client_certificate", ca))
	}
	verify, err := sslVerifyClient(a.Certificate)
	if err != nil {
		return nil, err
	}
	out = append(out, d("ssl_verify_client", lit(verify)), d("ssl_verify_depth", num(a.Depth)))
	if a.CRL != "" {
		crl, err := r.file(a.CRL)
		if err != nil {
			return nil, err
		}
		out = append(out, d("ssl_crl", crl))
	}
	if a.ErrorPage != "" {
		// 495: the certificate failed verification; 496: none was sent.
		out = append(out, d("error_page", lit("495"), lit("496"), text(a.ErrorPage)))
	}
	if a.MatchCN != "" {
		out = append(out, blk("if", []Arg{lit("("), lit(varName("cn", s.Host)), lit("="), lit("0"), lit(")")},
			d("return", lit("403"))))
	}
	return out, nil
}

// maps are the http-level maps a host needs: the CN check of match-cn and the
// HSTS header behind a proxy.
func (r *renderer) maps(s dataplane.Server) []*Node {
	var out []*Node
	if a := s.ClientAuth; a != nil && a.MatchCN != "" && !s.Reject && s.Status == 0 {
		// Anchored at the start of the RFC 2253 subject, where nginx puts the
		// most specific RDN, the CN: "CN=<cn>," or "CN=<cn>" alone.
		out = append(out, blk("map", []Arg{lit("$ssl_client_s_dn"), lit(varName("cn", s.Host))},
			entry(regex("~^CN=(?:"+unanchor(a.MatchCN)+")(?:,|$)"), lit("1")),
			entry(lit("default"), lit("0")),
		))
	}
	if hs := s.HSTS; hs != nil && hs.BehindProxy && !s.Reject && s.Status == 0 {
		out = append(out, blk("map", []Arg{lit("$http_x_forwarded_proto"), lit(varName("hsts", s.Host))},
			entry(lit("https"), lit(hstsValue(hs))),
			entry(lit("default"), lit("")),
		))
	}
	return out
}

// unanchor drops one leading "^" and one trailing unescaped "$": the
// expression is anchored by the map key around it.
func unanchor(re string) string {
	re = strings.TrimPrefix(re, "^")
	if strings.HasSuffix(re, "$") {
		n := 0
		for i := len(re) - 2; i >= 0 && re[i] == '\\'; i-- {
			n++
		}
		if n%2 == 0 {
			re = re[:len(re)-1]
		}
	}
	return re
}

func hstsValue(h *intent.HSTS) string {
	v := "max-age=" + strconv.FormatInt(h.MaxAge, 10)
	if h.IncludeSubdomains {
		v += "; includeSubDomains"
	}
	if h.Preload {
		v += "; preload"
	}
	return v
}

func (r *renderer) backendTLS(pfx string, t *dataplane.BackendTLS) ([]*Node, error) {
	out := []*Node{d(pfx+"verify", onOff(t.Verify))}
	if t.TrustedCA != "" {
		ca, err := r.file(t.TrustedCA)
		if err != nil {
			return nil, err
		}
		out = append(out, d(pfx+"trusted_certificate", ca))
	}
	out = append(out, d(pfx+"verify_depth", num(t.Depth)))
	if t.Client != nil {
		kp, err := r.keyPair(*t.Client, pfx+"certificate", pfx+"certificate_key")
		if err != nil {
			return nil, err
		}
		out = append(out, kp...)
	}
	out = append(out,
		d(pfx+"name", text(t.Name)),
		d(pfx+"server_name", onOff(t.ServerName)),
		d(pfx+"protocols", texts(t.Protocols)...),
		d(pfx+"ciphers", text(t.Ciphers)),
		d(pfx+"session_reuse", onOff(t.SessionReuse)),
	)
	return out, nil
}
