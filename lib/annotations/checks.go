package annotations

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	cmapi "github.com/cert-manager/cert-manager/pkg/apis/certmanager/v1"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// checkNginxOrg applies NGINX Inc's rules between its own keys.
func checkNginxOrg(p *Parsed, s *findings.Set) {
	o := p.Org
	for _, k := range []string{KeyOrgHSTSMaxAge, KeyOrgHSTSIncludeSubdomains, KeyOrgHSTSBehindProxy} {
		switch {
		case !p.Has(k):
		case !p.Has(KeyOrgHSTS):
			s.Errorf(Path(k), nil, "requires %s: set %s: \"true\" to send HSTS", KeyOrgHSTS, KeyOrgHSTS)
		case o.HSTS != nil && !*o.HSTS:
			s.Warnf(Path(k), "has no effect while %s is \"false\"", KeyOrgHSTS)
		}
	}
	if p.Has(KeyLegacySSLRedirect) {
		if o.SSLRedirect != nil && o.LegacySSLRedirect != nil && *o.SSLRedirect != *o.LegacySSLRedirect {
			s.Errorf(Path(KeyLegacySSLRedirect), strconv.FormatBool(*o.LegacySSLRedirect),
				"conflicts with %s: %q; remove the deprecated %s", KeyOrgSSLRedirect, strconv.FormatBool(*o.SSLRedirect), KeyLegacySSLRedirect)
		} else {
			s.Warnf(Path(KeyLegacySSLRedirect), "is deprecated; use %s", KeyOrgSSLRedirect)
		}
	}
}

// checkMergeable refuses settings NGINX Inc would silently drop on a mergeable
// Ingress: host-level settings belong on the master, path-level ones on minions.
func checkMergeable(p *Parsed, s *findings.Set) {
	var refused Scope
	switch p.Org.MergeableIngressType {
	case "minion":
		refused = ScopeHost
	case "master":
		refused = ScopePath
	default:
		return
	}
	for _, t := range []*Table{ingressNginxTable, nginxOrgTable} {
		for _, r := range t.Rows {
			key := p.Key(t.Dialect, r.Key)
			if r.Scope != refused || !p.Has(key) || refused == ScopePath && InheritedByMinions[key] {
				continue
			}
			where := "the master (nginx.org/mergeable-ingress-type: master)"
			if refused == ScopePath {
				where = "the minions (nginx.org/mergeable-ingress-type: minion)"
			}
			s.Errorf(Path(key), nil, "is a %s-level setting, not allowed on a mergeable %s (NGINX Inc drops it silently); put it on %s",
				r.Scope, p.Org.MergeableIngressType, where)
		}
	}
}

// checkCertManager applies cert-manager's rules between its keys: the
// ingress-shim's issuer rules and the webhook's Certificate rules.
func checkCertManager(p *Parsed, s *findings.Set) {
	c := p.CertManager
	if p.Has(KeyCMIssuer) && p.Has(KeyCMClusterIssuer) {
		s.Errorf(Path(KeyCMClusterIssuer), c.ClusterIssuer, "both %s and %s are set; cert-manager accepts only one of them", KeyCMIssuer, KeyCMClusterIssuer)
	}
	if p.Has(KeyCMClusterIssuer) {
		for _, k := range []string{KeyCMIssuerKind, KeyCMIssuerGroup} {
			if p.Has(k) {
				s.Errorf(Path(k), nil, "may not be set with %s (cert-manager refuses the combination); for an external cluster-scoped issuer use %s with %s and %s",
					KeyCMClusterIssuer, KeyCMIssuer, KeyCMIssuerKind, KeyCMIssuerGroup)
			}
		}
	}
	// Without an external issuer group, the issuer is cert-manager's own
	// (group cert-manager.io), whose kinds are only Issuer and ClusterIssuer:
	// cert-manager's webhook refuses the Certificate otherwise.
	if p.Has(KeyCMIssuerKind) && !p.Has(KeyCMClusterIssuer) && (c.IssuerGroup == "" || c.IssuerGroup == certManagerGroup) &&
		c.IssuerKind != cmapi.IssuerKind && c.IssuerKind != cmapi.ClusterIssuerKind {
		s.Errorf(Path(KeyCMIssuerKind), c.IssuerKind, "cert-manager's own issuers (group %s) are of kind Issuer or ClusterIssuer, got %q; for an external issuer also set %s to its API group",
			certManagerGroup, c.IssuerKind, KeyCMIssuerGroup)
	}
	checkKeySize(c, s)
	checkRenewal(p, s)
}

// certManagerGroup is the API group of cert-manager's own issuers.
const certManagerGroup = "cert-manager.io"

func checkKeySize(c CertManager, s *findings.Set) {
	if c.PrivateKeySize == nil {
		return
	}
	size, path := *c.PrivateKeySize, Path(KeyCMPrivateKeySize)
	switch c.PrivateKeyAlgorithm {
	case cmapi.RSAKeyAlgorithm, "":
		if size < minRSAKeySize || size > maxRSAKeySize {
			s.Errorf(path, size, "RSA keys must be %d to %d bits, got %d", minRSAKeySize, maxRSAKeySize, size)
		}
	case cmapi.ECDSAKeyAlgorithm:
		if !slices.Contains([]int{256, 384, 521}, size) {
			s.Errorf(path, size, "ECDSA keys must be 256, 384 or 521 bits, got %d%s", size,
				findings.DidYouMean(strconv.Itoa(size), []string{"256", "384", "521"}))
		}
	case cmapi.Ed25519KeyAlgorithm:
		s.Warnf(path, "is ignored for Ed25519 keys")
	}
}

// checkRenewal mirrors cert-manager's webhook ValidateDuration.
func checkRenewal(p *Parsed, s *findings.Set) {
	c := p.CertManager
	duration := cmapi.DefaultCertificateDuration
	if c.Duration != nil {
		duration = *c.Duration
	}
	durationText := fmt.Sprintf("the duration (%s)", c.durationText(duration))
	if c.RenewBefore != nil && *c.RenewBefore >= duration {
		s.Errorf(Path(KeyCMRenewBefore), c.RenewBefore.String(), "must be less than %s, got %s", durationText, c.RenewBefore)
	}
	if c.RenewBeforePercentage == nil {
		return
	}
	if p.Has(KeyCMRenewBefore) {
		s.Errorf(Path(KeyCMRenewBeforePercentage), *c.RenewBeforePercentage, "may not be set with %s (cert-manager refuses the combination)", KeyCMRenewBefore)
	}
	// Float arithmetic as cert-manager does, to avoid int64 overflow.
	renewBefore := time.Duration(float64(duration) * float64(100-*c.RenewBeforePercentage) / 100)
	if renewBefore < cmapi.MinimumRenewBefore {
		s.Errorf(Path(KeyCMRenewBeforePercentage), *c.RenewBeforePercentage,
			"renews %s before expiry of %s, less than cert-manager's minimum of 5m", renewBefore, durationText)
	}
}

func (c CertManager) durationText(d time.Duration) string {
	if c.Duration == nil {
		return "cert-manager's default, " + d.String()
	}
	return d.String()
}

// CheckDialectConflicts reports settings that ingress-nginx and NGINX Inc
// annotations on the same Ingress set to different values; each error names
// both keys. Parse runs it; it is exported for callers that build Parsed
// values themselves.
func CheckDialectConflicts(p Parsed) findings.Set {
	var s findings.Set
	conflict := func(what, aKey, aVal string, aSet bool, bKey, bVal string, bSet bool) {
		if aSet && bSet && aVal != bVal {
			s.Errorf(Path(bKey), bVal, "%s: %q conflicts with %s: %q (both set %s); keep one of them or make them agree",
				bKey, bVal, aKey, aVal, what)
		}
	}
	n, o := p.Nginx, p.Org
	boolConflict := func(what, aShort string, a *bool, bKey string, b *bool) {
		conflict(what, p.NginxKey(aShort), fmtBool(a), a != nil, bKey, fmtBool(b), b != nil)
	}
	redirect, redirectKey := o.EffectiveSSLRedirect()
	boolConflict("the HTTP to HTTPS redirect of hosts with TLS", KeySSLRedirect, n.SSLRedirect, redirectKey, redirect)
	boolConflict("the HTTP to HTTPS redirect when TLS is terminated in front", KeyForceSSLRedirect, n.ForceSSLRedirect, KeyOrgRedirectToHTTPS, o.RedirectToHTTPS)
	boolConflict("the server cipher preference", KeySSLPreferServerCiphers, n.SSLPreferServerCiphers, KeyOrgSSLPreferServerCiphers, o.SSLPreferServerCiphers)
	// An ingress-nginx or NGINX Inc "do not redirect" against the other
	// dialect's forced redirect: the host would redirect every plain-HTTP
	// request, against the key that says it should not.
	refuseRedirect := func(offKey string, off *bool, forceKey string, force *bool) {
		if off != nil && !*off && force != nil && *force {
			s.Errorf(Path(forceKey), "true", "%s: \"true\" conflicts with %s: \"false\" (both decide whether plain HTTP to the host is redirected to HTTPS; portcullis would redirect every request); keep one of them or make them agree",
				forceKey, offKey)
		}
	}
	refuseRedirect(p.NginxKey(KeySSLRedirect), n.SSLRedirect, KeyOrgRedirectToHTTPS, o.RedirectToHTTPS)
	refuseRedirect(redirectKey, redirect, p.NginxKey(KeyForceSSLRedirect), n.ForceSSLRedirect)
	conflict("the host's cipher list", p.NginxKey(KeySSLCiphers), n.SSLCiphers, n.SSLCiphers != "", KeyOrgSSLCiphers, o.SSLCiphers, o.SSLCiphers != "")
	checkTrafficConflicts(p, conflict)
	checkRedirectConflicts(p, conflict)
	checkHeaderConflicts(p, conflict)
	return s
}

func fmtBool(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

// checkIngressNginx applies rules between ingress-nginx keys that need no
// other object: client and backend verification that was asked for but cannot
// happen is an error, never a silent downgrade.
func checkIngressNginx(p *Parsed, s *findings.Set) {
	n := p.Nginx
	secret := p.NginxKey(KeyAuthTLSSecret)
	if !p.Has(secret) {
		for _, k := range []string{KeyAuthTLSVerifyClient, KeyAuthTLSVerifyDepth, KeyAuthTLSErrorPage, KeyAuthTLSPassCertificateToUpstream, KeyAuthTLSMatchCN} {
			if k == KeyAuthTLSVerifyClient && n.AuthTLSVerifyClient == "off" {
				continue
			}
			if key := p.NginxKey(k); p.Has(key) {
				s.Errorf(Path(key), nil, "requires %s: without a CA, client certificates are not verified and this setting would be ignored", secret)
			}
		}
	}
	// Under ssl-passthrough nginx terminates no TLS: the Ingress's verdict
	// says these keys are ignored, and advice on them would only confuse.
	passthrough := n.SSLPassthrough != nil && *n.SSLPassthrough
	if cn := n.AuthTLSMatchCN; cn != "" && !passthrough && !strings.ContainsAny(cn, "^$") {
		s.Warnf(Path(p.NginxKey(KeyAuthTLSMatchCN)), "portcullis matches the pattern against the whole CN (it is anchored), where ingress-nginx matched it anywhere in the subject DN: CN=%s no longer admits a CN that only contains a match. To match a part of the CN, write CN=.*%s.*; to keep the whole-CN match and silence this warning, write CN=^%s$",
			cn, cn, cn)
	}
	verifyKey := p.NginxKey(KeyProxySSLVerify)
	if n.ProxySSLVerify != nil && *n.ProxySSLVerify && !p.Has(p.NginxKey(KeyProxySSLSecret)) {
		s.Errorf(Path(verifyKey), "on", "requires %s with the CA (ca.crt) to verify the backend against", p.NginxKey(KeyProxySSLSecret))
	}
	// Under ssl-passthrough nginx never connects to the backend over TLS
	// either (the client's TLS goes through): nothing to verify.
	if !passthrough && (n.BackendProtocol == "HTTPS" || n.BackendProtocol == "GRPCS") && (n.ProxySSLVerify == nil || !*n.ProxySSLVerify) {
		path := Path(p.NginxKey(KeyBackendProtocol))
		if n.ProxySSLVerify != nil {
			path = Path(verifyKey)
		}
		s.Warnf(path, "the backend's certificate is not verified (%s is off): traffic to it is encrypted but not authenticated; set it to \"on\" with %s",
			verifyKey, p.NginxKey(KeyProxySSLSecret))
	}
}
