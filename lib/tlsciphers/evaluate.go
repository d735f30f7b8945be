package tlsciphers

import (
	"fmt"
	"strings"
)

// defaultRules is OpenSSL 3.0's OSSL_default_cipher_list(): what a string
// that starts with DEFAULT starts from.
const defaultRules = "ALL:!COMPLEMENTOFDEFAULT:!eNULL"

// suiteB are the strings OpenSSL replaces whole when a cipher string starts
// with them (ssl/ssl_ciph.c check_suiteb_cipher_list), longest first.
var suiteB = []struct{ prefix, rules string }{
	{"SUITEB128ONLY", "ECDHE-ECDSA-AES128-GCM-SHA256"},
	{"SUITEB128C2", "ECDHE-ECDSA-AES256-GCM-SHA384"},
	{"SUITEB128", "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"},
	{"SUITEB192", "ECDHE-ECDSA-AES256-GCM-SHA384"},
}

// Result is what a cipher string selects.
type Result struct {
	// Selected are the chosen ciphers, in table order (OpenSSL's order is not
	// modelled: "+" and @STRENGTH only reorder).
	Selected []Cipher
	// AddedBy[i] is the entry of the string that added Selected[i]:
	// "DEFAULT" for the ciphers the DEFAULT prefix brought in.
	AddedBy []string
	// SecLevel is the @SECLEVEL=n the string sets, or -1.
	SecLevel int
	// seq[i] orders AddedBy[i] among the string's entries.
	seq []int
}

// Compiled returns the selected ciphers OpenSSL 3.0 builds.
func (r Result) Compiled() []Cipher {
	var out []Cipher
	for _, c := range r.Selected {
		if c.Compiled {
			out = append(out, c)
		}
	}
	return out
}

// rule is what an entry does to the ciphers it matches.
type rule int

const (
	ruleAdd  rule = iota // no prefix: add those not yet added nor killed
	ruleDel              // "-": remove; a later entry may add them again
	ruleOrd              // "+": move to the end (no effect on the set)
	ruleKill             // "!": remove for good
)

type state struct {
	active, killed []bool
	addedBy        []string
	seq            []int // entry number of addedBy
	entries        int   // entries applied so far
	secLevel       int
}

// Evaluate applies s with OpenSSL 3.0's cipher-string rules
// (ssl/ssl_ciph.c ssl_cipher_process_rulestr): entries separated by ":", ",",
// ";" or spaces; "!", "-" or "+" before an entry; "+" between keywords for
// their intersection; unknown keywords ignored. It fails only where OpenSSL
// refuses the string outright.
func Evaluate(s string) (Result, error) {
	st := &state{
		active: make([]bool, len(table)), killed: make([]bool, len(table)),
		addedBy: make([]string, len(table)), seq: make([]int, len(table)), secLevel: -1,
	}
	for _, sb := range suiteB {
		if strings.HasPrefix(s, sb.prefix) {
			s = sb.rules
			break
		}
	}
	if strings.HasPrefix(s, "DEFAULT") {
		if err := st.process(defaultRules, "DEFAULT"); err != nil {
			return Result{}, err
		}
		s = strings.TrimPrefix(s[len("DEFAULT"):], ":")
	}
	if err := st.process(s, ""); err != nil {
		return Result{}, err
	}
	r := Result{SecLevel: st.secLevel}
	for i, on := range st.active {
		if on {
			r.Selected = append(r.Selected, table[i])
			r.AddedBy = append(r.AddedBy, st.addedBy[i])
			r.seq = append(r.seq, st.seq[i])
		}
	}
	return r, nil
}

func itemSep(c byte) bool { return c == ':' || c == ' ' || c == ';' || c == ',' }

func aliasChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '='
}

// process applies the entries of s; as names the entries' origin in
// AddedBy, or "" for the entry's own text.
func (st *state) process(s, as string) error {
	for l := 0; l < len(s); {
		start := l
		r, special := ruleAdd, false
		switch s[l] {
		case '-':
			r, l = ruleDel, l+1
		case '+':
			r, l = ruleOrd, l+1
		case '!':
			r, l = ruleKill, l+1
		case '@':
			special, l = true, l+1
		default:
			if itemSep(s[l]) {
				l++
				continue
			}
		}
		sel, found, end, err := parseEntry(s, l, special)
		if err != nil {
			return err
		}
		word := s[l:end] // the first keyword: all that "@" reads
		for end < len(s) && !itemSep(s[end]) {
			end++
		}
		entry := s[start:end]
		l = end
		switch {
		case special:
			if err := st.special(word); err != nil {
				return err
			}
		case found:
			origin := as
			if origin == "" {
				origin = entry
			}
			st.apply(r, sel, origin)
		}
	}
	return nil
}

// selector is the pattern of one entry: masks, and a cipher (id >= 0) when
// the entry names one; OpenSSL then matches that cipher if it also meets the
// masks (its own, and those of the other keywords).
type selector struct {
	masks
	id   int
	weak bool // names a weak class or a cipher, so may add historic ciphers
}

// parseEntry reads the "+"-joined keywords of the entry at s[l:], stopping
// at the first unknown one (found = false, as OpenSSL ignores the entry).
func parseEntry(s string, l int, special bool) (sel selector, found bool, end int, err error) {
	sel.id = -1
	for {
		start := l
		for l < len(s) && aliasChar(s[l]) {
			l++
		}
		if l == start {
			if l < len(s) {
				return sel, false, l, fmt.Errorf("OpenSSL refuses %q: %q cannot start a cipher name", s, s[l])
			}
			return sel, false, l, fmt.Errorf("OpenSSL refuses %q: it ends with an operator and no cipher name", s)
		}
		if special {
			return sel, true, l, nil
		}
		if !sel.add(s[start:l]) {
			return sel, false, l, nil
		}
		if l < len(s) && s[l] == '+' {
			l++
			continue
		}
		return sel, true, l, nil
	}
}

// add intersects sel with the keyword or cipher name w, as OpenSSL does:
// false when w is unknown or the intersection is empty.
func (sel *selector) add(w string) bool {
	var m masks
	if i := lookupCipher(w); i >= 0 {
		m = cipherMasks[i]
		m.minTLS = 0 // an explicit cipher's protocol is not part of the pattern
		sel.id, sel.weak = i, true
	} else if k, ok := keywords[w]; ok {
		m = k.masks
		sel.weak = sel.weak || k.weak
	} else {
		return false
	}
	ok := true
	and := func(dst *uint32, v uint32) {
		if v == 0 {
			return
		}
		if *dst == 0 {
			*dst = v
			return
		}
		*dst &= v
		ok = ok && *dst != 0
	}
	and(&sel.kx, m.kx)
	and(&sel.au, m.au)
	and(&sel.enc, m.enc)
	and(&sel.mac, m.mac)
	if m.strength != 0 {
		if sel.strength == 0 {
			sel.strength = m.strength
		} else if sel.strength &= m.strength; sel.strength == 0 {
			ok = false
		}
	}
	if m.def != 0 {
		sel.def = m.def
	}
	if m.minTLS != 0 {
		if sel.minTLS != 0 && sel.minTLS != m.minTLS {
			ok = false
		}
		sel.minTLS = m.minTLS
	}
	return ok
}

func (sel selector) matches(i int) bool {
	if sel.id >= 0 && i != sel.id {
		return false
	}
	c := cipherMasks[i]
	return (sel.kx == 0 || sel.kx&c.kx != 0) &&
		(sel.au == 0 || sel.au&c.au != 0) &&
		(sel.enc == 0 || sel.enc&c.enc != 0) &&
		(sel.mac == 0 || sel.mac&c.mac != 0) &&
		(sel.minTLS == 0 || sel.minTLS == c.minTLS) &&
		(sel.strength == 0 || sel.strength&c.strength != 0) &&
		(sel.def == 0 || sel.def&c.def != 0)
}

func (st *state) apply(r rule, sel selector, origin string) {
	st.entries++
	for i := range table {
		if !sel.matches(i) {
			continue
		}
		switch r {
		case ruleAdd:
			// Historic ciphers come in only when asked for by name or by
			// their weak class: a broad keyword such as ALL means what
			// OpenSSL 3.0 builds.
			if !st.active[i] && !st.killed[i] && (table[i].Compiled || sel.weak) {
				st.active[i], st.addedBy[i], st.seq[i] = true, origin, st.entries
			}
		case ruleDel:
			st.active[i] = false
		case ruleKill:
			st.active[i], st.killed[i] = false, true
		}
	}
}

// special handles the word after "@": STRENGTH or SECLEVEL=n; OpenSSL
// refuses any other, and ignores what follows the word up to the next
// separator.
func (st *state) special(word string) error {
	switch {
	case word == "STRENGTH":
		return nil
	case len(word) == len("SECLEVEL=0") && strings.HasPrefix(word, "SECLEVEL=") && word[9] >= '0' && word[9] <= '5':
		st.secLevel = int(word[9] - '0')
		return nil
	}
	return fmt.Errorf("OpenSSL refuses \"@%s\": only @STRENGTH and @SECLEVEL=0..5 may follow \"@\"", word)
}
