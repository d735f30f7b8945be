package reconcile

import (
	"errors"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/controller/dataplane"
	"github.com/seed-d040b84d/portcullis/controller/nginx"
)

// maxCulprits bounds the Ingresses isolate refuses in one sync.
const maxCulprits = 8

// isolate finds, by bisection with nginx -t, the Ingresses without which
// nginx accepts the configuration, and returns ings with those refused (an
// error added to their verdicts, so their hosts fail closed) and the
// culprits. refused is nginx's refusal of the whole.
func (r *Reconciler) isolate(ings []dataplane.Ingress, build buildFunc, refused error) ([]dataplane.Ingress, []dataplane.Ingress, error) {
	s := &isolation{build: build, sup: r.Supervisor, refused: refused}
	suspects, rest := rendered(ings)
	if out, culprits, ok := s.lastCulprits(r.culprits, suspects, rest); ok {
		return out, culprits, nil
	}
	if bad, err := s.fails(rest); err != nil || bad {
		return nil, nil, fmt.Errorf("nginx refuses the configuration even without the Ingresses lib accepts: %w", refused)
	}
	culprits, rest, suspects, err := s.bisect(rest, suspects)
	if err != nil {
		return nil, nil, err
	}
	if len(culprits) == 0 {
		return nil, nil, refused
	}
	return append(rest, suspects...), culprits, nil
}

// buildFunc builds the model of a set of Ingresses.
type buildFunc = func([]dataplane.Ingress) (*dataplane.Model, error)

// isolation is one search for the Ingresses nginx refuses.
type isolation struct {
	build   buildFunc
	sup     *nginx.Supervisor
	refused error // nginx's refusal of the whole
}

// rendered splits ings into the suspects, those lib accepts (only they are
// rendered into nginx's configuration), and the rest.
func rendered(ings []dataplane.Ingress) (suspects, rest []dataplane.Ingress) {
	for _, ing := range ings {
		if ing.Verdict.Findings.Allowed() {
			suspects = append(suspects, ing)
		} else {
			rest = append(rest, ing)
		}
	}
	return suspects, rest
}

// lastCulprits is the first guess: the Ingresses refused at the last sync
// (last, by UID), if still there. When nginx accepts everything else, they
// are refused again, without a bisection.
func (s *isolation) lastCulprits(last map[types.UID]bool, suspects, rest []dataplane.Ingress) (out, culprits []dataplane.Ingress, ok bool) {
	var guessed, others []dataplane.Ingress
	for _, sus := range suspects {
		if last[sus.Object.UID] {
			guessed = append(guessed, sus)
		} else {
			others = append(others, sus)
		}
	}
	if len(guessed) == 0 {
		return nil, nil, false
	}
	out = append(slices.Clone(rest), others...)
	if bad, err := s.fails(out); err != nil || bad {
		return nil, nil, false
	}
	for _, g := range guessed {
		culprits = append(culprits, s.refuse(g))
	}
	return append(out, culprits...), culprits, true
}

// bisect refuses suspects one at a time, each found by halving, until nginx
// accepts the configuration or maxCulprits are refused. rest alone must
// pass. It returns the culprits, and rest and suspects as they end up (the
// culprits moved from suspects to rest).
func (s *isolation) bisect(rest, suspects []dataplane.Ingress) (culprits, restOut, suspectsOut []dataplane.Ingress, err error) {
	for len(culprits) < maxCulprits {
		bad, err := s.fails(append(slices.Clone(rest), suspects...))
		if err != nil {
			return nil, nil, nil, err
		}
		if !bad {
			break
		}
		found, err := s.oneCulprit(rest, suspects)
		if err != nil {
			return nil, nil, nil, err
		}
		culprit := s.refuse(found)
		suspects = slices.DeleteFunc(suspects, func(i dataplane.Ingress) bool { return i.Object == culprit.Object })
		culprits = append(culprits, culprit)
		rest = append(rest, culprit)
	}
	return culprits, rest, suspects, nil
}

// oneCulprit halves suspects until one is left that nginx refuses beside
// rest. Invariant: rest alone passes; rest and suspects fail.
func (s *isolation) oneCulprit(rest, suspects []dataplane.Ingress) (dataplane.Ingress, error) {
	base, sus := slices.Clone(rest), slices.Clone(suspects)
	for len(sus) > 1 {
		half := sus[:len(sus)/2]
		bad, err := s.fails(append(slices.Clone(base), half...))
		if err != nil {
			return dataplane.Ingress{}, err
		}
		if bad {
			sus = half
		} else {
			base = append(base, half...)
			sus = sus[len(sus)/2:]
		}
	}
	return sus[0], nil
}

// fails says whether nginx -t refuses the configuration of subset.
func (s *isolation) fails(subset []dataplane.Ingress) (bool, error) {
	m, err := s.build(subset)
	if err != nil {
		return false, err
	}
	err = s.sup.Check(m)
	if errors.Is(err, nginx.ErrRefused) {
		return true, nil
	}
	return false, err
}

// refuse adds nginx's refusal to the culprit's verdict, so its hosts fail
// closed.
func (s *isolation) refuse(culprit dataplane.Ingress) dataplane.Ingress {
	culprit.Verdict.Findings.Errors = append(slices.Clone(culprit.Verdict.Findings.Errors), &field.Error{
		Type: field.ErrorTypeInternal, Field: "spec",
		Detail: "nginx refuses the configuration rendered from this Ingress, so its hosts fail closed and the rest of the cluster is served without it: " + nginxReason(s.refused, culprit, s.build, s.sup),
	})
	return culprit
}
