package nginx

import (
	"errors"
	"fmt"
)

// parsed is a directive read back from rendered configuration.
type parsed struct {
	name     string
	args     []string
	children []*parsed
	block    bool
}

// parseConf reads nginx configuration the way nginx's ngx_conf_read_token
// does: words separated by white space, "..." and '...' quoting with \" \' \\
// \t \r \n unescaped, '#' comments outside quotes, ';' ending a directive,
// '{' and '}' a block.
func parseConf(src []byte) ([]*parsed, error) {
	p := &confParser{src: src}
	nodes, err := p.block(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.src) {
		return nil, fmt.Errorf("unexpected \"}\" at offset %d", p.pos)
	}
	return nodes, nil
}

type confParser struct {
	src []byte
	pos int
}

func (p *confParser) block(depth int) ([]*parsed, error) {
	var out []*parsed
	var words []string
	for {
		w, delim, err := p.token()
		if err != nil {
			return nil, err
		}
		if w != nil {
			words = append(words, *w)
			continue
		}
		switch delim {
		case ';':
			if len(words) == 0 {
				return nil, fmt.Errorf("empty directive at offset %d", p.pos)
			}
			out = append(out, &parsed{name: words[0], args: words[1:]})
			words = nil
		case '{':
			if len(words) == 0 {
				return nil, fmt.Errorf("block without a name at offset %d", p.pos)
			}
			children, err := p.block(depth + 1)
			if err != nil {
				return nil, err
			}
			out = append(out, &parsed{name: words[0], args: words[1:], children: children, block: true})
			words = nil
		case '}':
			if len(words) > 0 || depth == 0 {
				return nil, fmt.Errorf("unexpected \"}\" at offset %d", p.pos)
			}
			return out, nil
		case 0:
			if len(words) > 0 || depth > 0 {
				return nil, errors.New("unexpected end of file")
			}
			return out, nil
		}
	}
}

// token returns the next word, or else the next delimiter (';', '{', '}', or 0
// at the end of the input).
func (p *confParser) token() (*string, byte, error) {
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			p.pos++
		case c == '#':
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
		case c == ';' || c == '{' || c == '}':
			p.pos++
			return nil, c, nil
		case c == '"' || c == '\'':
			start := p.pos + 1
			i := start
			for ; i < len(p.src) && p.src[i] != c; i++ {
				if p.src[i] == '\\' {
					i++
				}
			}
			if i >= len(p.src) {
				return nil, 0, errors.New("unterminated string")
			}
			w := unescape(p.src[start:i])
			p.pos = i + 1
			if p.pos < len(p.src) {
				switch n := p.src[p.pos]; n {
				case ' ', '\t', '\r', '\n', ';', '{', '}':
				default:
					return nil, 0, fmt.Errorf("unexpected %q after a quoted string", n)
				}
			}
			return &w, 0, nil
		default:
			start := p.pos
			for p.pos < len(p.src) {
				c := p.src[p.pos]
				if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '{' || c == '}' {
					break
				}
				if c == '\\' {
					p.pos++
				}
				p.pos++
			}
			w := unescape(p.src[start:min(p.pos, len(p.src))])
			return &w, 0, nil
		}
	}
	return nil, 0, nil
}

func unescape(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\\' && i+1 < len(b) {
			switch b[i+1] {
			case '"', '\'', '\\':
				i++
			case 't':
				out = append(out, '\t')
				i++
				continue
			case 'r':
				out = append(out, '\r')
				i++
				continue
			case 'n':
				out = append(out, '\n')
				i++
				continue
			}
		}
		out = append(out, b[i])
	}
	return string(out)
}
