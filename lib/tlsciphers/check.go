package tlsciphers

import (
	"fmt"
	"strings"
)

// maxNamed is how many cipher names a message lists.
const maxNamed = 3

// maxKinds is how many kinds of weak cipher a message describes.
const maxKinds = 2

// Check evaluates s and returns an error when OpenSSL would refuse it, when
// it selects a weak cipher (Cipher.Weakness), or when it leaves no cipher
// OpenSSL 3.0 builds for TLS 1.2 and below. The message names the entry that
// brought the weak ciphers in and how to keep them out.
func Check(s string) error {
	r, err := Evaluate(s)
	if err != nil {
		return err
	}
	if err := weakError(r); err != nil {
		return err
	}
	if len(r.Compiled()) == 0 {
		msg := fmt.Sprintf("%q leaves no cipher for TLS 1.2 and below (OpenSSL would refuse it); "+
			"start from a list such as %q", s, "HIGH:!aNULL:!MD5")
		if strings.Contains(s, "TLS_") {
			msg += "; TLS 1.3 suites (TLS_...) are not chosen by this list"
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

// weakError reports the first entry, in the string's order, that added weak
// ciphers, with each kind of weak cipher it added, most serious first.
func weakError(r Result) error {
	entry, first := "", 0
	for i, c := range r.Selected {
		if _, weak := c.Weakness(); weak && (entry == "" || r.seq[i] < first) {
			entry, first = r.AddedBy[i], r.seq[i]
		}
	}
	if entry == "" {
		return nil
	}
	named := namedWeaknesses(entry)
	byKind := map[Weakness][]string{}
	for i, c := range r.Selected {
		if r.AddedBy[i] != entry {
			continue
		}
		if w, weak := c.Weakness(); weak {
			// A cipher that is weak in several ways is listed under the
			// way the entry asked for, so "RC4+RSA" lists RC4 ciphers.
			for _, n := range named {
				if c.has(n) {
					w = n
					break
				}
			}
			byKind[w] = append(byKind[w], c.Name)
		}
	}
	var parts []string
	var worst Weakness
	for _, w := range weaknesses {
		ciphers := byKind[w]
		if len(ciphers) == 0 {
			continue
		}
		if len(parts) == maxKinds {
			parts = append(parts, "other weak ciphers")
			break
		}
		if worst == (Weakness{}) {
			worst = w
		}
		listed := strings.Join(ciphers[:min(len(ciphers), maxNamed)], ", ")
		if len(ciphers) > maxNamed {
			listed += fmt.Sprintf(" and %d more", len(ciphers)-maxNamed)
		}
		parts = append(parts, fmt.Sprintf("%s (%s), which %s", w.What, listed, w.Why))
	}
	how := fmt.Sprintf("remove it or prefix it with %q", "!")
	if !namesWeakness(entry) {
		how = fmt.Sprintf("add %q after it", "!"+worst.Keyword)
	}
	return fmt.Errorf("%q adds %s; %s", entry, strings.Join(parts, ", and "), how)
}

// namesWeakness reports whether entry asks for weak ciphers by name or weak
// class, so that dropping it is the fix (rather than excluding a class from a
// broad keyword such as ALL).
func namesWeakness(entry string) bool {
	if entry == "DEFAULT" {
		return false
	}
	for _, w := range strings.Split(strings.TrimLeft(entry, "+-!"), "+") {
		if lookupCipher(w) >= 0 || keywords[w].weak {
			return true
		}
	}
	return false
}

// weakKeywords maps the keywords that name a kind of weak cipher to it.
var weakKeywords = map[string]Weakness{
	"eNULL": WeakNull, "NULL": WeakNull, "COMPLEMENTOFALL": WeakNull,
	"aNULL": WeakAnon, "ADH": WeakAnon, "AECDH": WeakAnon,
	"EXP": WeakExport, "EXPORT": WeakExport, "EXPORT40": WeakExport, "EXPORT56": WeakExport,
	"SSLv2": WeakSSLv2, "RC4": WeakRC4, "DES": WeakDES, "LOW": WeakDES, "3DES": Weak3DES, "MD5": WeakMD5,
}

// namedWeaknesses are the kinds of weak cipher entry names by keyword.
func namedWeaknesses(entry string) []Weakness {
	var out []Weakness
	for _, w := range strings.Split(strings.TrimLeft(entry, "+-!"), "+") {
		if k, ok := weakKeywords[w]; ok {
			out = append(out, k)
		}
	}
	return out
}
