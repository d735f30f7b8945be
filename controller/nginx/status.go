package nginx

// The status server, which answers the generation of the configuration in
// force: how the supervisor knows a reload took.

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
)

// RenderWithGeneration renders the model once, with the status server
// answering the generation that generation computes from the rest of the
// configuration (everything but the status server, which is last in http).
func RenderWithGeneration(m *dataplane.Model, o Options, generation func(conf []byte) string) ([]byte, string, error) {
	if o.StatusAddress == "" {
		conf, err := RenderModel(m, o)
		if err != nil {
			return nil, "", err
		}
		return conf, generation(conf), nil
	}
	o.Generation = ""
	nodes, err := Tree(m, o)
	if err != nil {
		return nil, "", err
	}
	http := nodes[len(nodes)-1]
	http.Children = http.Children[:len(http.Children)-1]
	rest, err := Render(nodes)
	if err != nil {
		return nil, "", err
	}
	o.Generation = generation(rest)
	status, err := (&renderer{o: o}).statusServer()
	if err != nil {
		return nil, "", err
	}
	var b strings.Builder
	if err := render(&b, []*Node{status}, "http", 1); err != nil {
		return nil, "", err
	}
	end := []byte("}\n")
	if !bytes.HasSuffix(rest, end) {
		return nil, "", errors.New("nginx: the configuration does not end with the http block")
	}
	out := make([]byte, 0, len(rest)+b.Len())
	out = append(append(append(out, rest[:len(rest)-len(end)]...), b.String()...), end...)
	return out, o.Generation, nil
}

// GenerationPath is where the status server answers the configuration's generation.
const GenerationPath = "/portcullis/generation"

func (r *renderer) statusServer() (*Node, error) {
	for _, c := range r.o.Generation {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return nil, fmt.Errorf("nginx: generation %q is not hex", r.o.Generation)
		}
	}
	if !dataplane.SafeText(r.o.StatusAddress) || strings.ContainsAny(r.o.StatusAddress, "\"\\ ;{}#") {
		return nil, fmt.Errorf("nginx: status address %q", r.o.StatusAddress)
	}
	return blk("server", nil,
		d("listen", text(r.o.StatusAddress)),
		blk("location", []Arg{lit("="), lit(GenerationPath)}, d("return", lit("200"), lit(r.o.Generation))),
		blk("location", []Arg{lit("/")}, d("return", lit("404"))),
	), nil
}
