package policies

import (
	"context"
	"encoding/json"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/seed-d040b84d/portcullis/lib/certs"
	"github.com/seed-d040b84d/portcullis/lib/config"
	"github.com/seed-d040b84d/portcullis/lib/findings"
	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/world"
	"github.com/seed-d040b84d/portcullis/lint"
)

// LintReviewer runs the engine on each object `portcullis lint` judges, with
// the input the webhook builds (operation LINT, no userInfo).
func LintReviewer(engine *Engine) lint.Reviewer {
	return func(s lint.Source, libFindings findings.Set, in *intent.Ingress, w world.Resolver, cfg config.Config, cache *certs.Cache) findings.Set {
		obj := s.Typed.DeepCopyObject()
		obj.GetObjectKind().SetGroupVersionKind(s.GVK)
		raw, err := json.Marshal(obj)
		if err != nil {
			var fs findings.Set
			fs.Errors = append(fs.Errors, &field.Error{Type: field.ErrorTypeInternal, Detail: "render the policy input: " + err.Error()})
			return fs
		}
		req := Request{Operation: OperationLint, Kind: s.GVK.Kind, Namespace: s.Meta.GetNamespace(), Object: raw, Intent: in, Findings: libFindings}
		return engine.Review(context.Background(), InputFor(req, w, cache, cfg))
	}
}
