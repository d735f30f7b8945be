package webhook

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	admissionv1 "k8s.io/api/admission/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	"github.com/seed-d040b84d/portcullis/lib/findings"
)

// maxWarningLen is the longest warning sent: kubectl shows each on one line,
// and the API server truncates long ones.
const maxWarningLen = 120

// verdictResponse turns lib's findings into an admission response: a denial
// lists every error, in the message and as a status cause with its field
// path (kubectl prints the causes after `The Ingress "web" is invalid:`,
// the details naming the object); warnings go in Warnings, each short enough
// to show whole.
func verdictResponse(req admission.Request, kind string, fs findings.Set) admission.Response {
	warnings := Warnings(fs.Warnings)
	if fs.Allowed() {
		return admission.Allowed("").WithWarnings(warnings...)
	}
	causes := make([]metav1.StatusCause, 0, len(fs.Errors))
	lines := make([]string, 0, len(fs.Errors))
	for _, e := range fs.Errors {
		msg := findings.ErrorMessage(e)
		causes = append(causes, metav1.StatusCause{Type: metav1.CauseType(e.Type), Message: msg, Field: e.Field})
		lines = append(lines, e.Field+": "+msg)
	}
	noun := "problem"
	if len(lines) > 1 {
		noun = "problems"
	}
	message := fmt.Sprintf("portcullis refused this %s (%d %s):\n- %s", kind, len(lines), noun, strings.Join(lines, "\n- "))
	return admission.Response{AdmissionResponse: admissionv1.AdmissionResponse{
		Allowed: false,
		Result: &metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusUnprocessableEntity,
			Reason:  metav1.StatusReasonInvalid,
			Message: message,
			Details: &metav1.StatusDetails{Kind: kind, Group: req.Kind.Group, Name: req.Name, Causes: causes},
		},
		Warnings: warnings,
	}}
}

// Warnings renders findings as admission warnings of at most 120 characters. A
// longer one is split at spaces into several, the later ones indented, so
// nothing is cut off. The API server drops a warning equal to one already
// sent, so a split that would repeat an earlier line (two findings ending in
// the same words) is made narrower until none does.
func Warnings(ws []findings.Warning) []string {
	var out []string
	sent := map[string]bool{}
	for _, w := range ws {
		lines := wrap(w.String(), maxWarningLen)
		for width := maxWarningLen - 1; repeats(lines, sent) && width > maxWarningLen/2; width-- {
			lines = wrap(w.String(), width)
		}
		for _, l := range lines {
			sent[l] = true
		}
		out = append(out, lines...)
	}
	return out
}

// repeats reports whether any of lines was sent already.
func repeats(lines []string, sent map[string]bool) bool {
	for _, l := range lines {
		if sent[l] {
			return true
		}
	}
	return false
}

func wrap(s string, width int) []string {
	const indent = "  "
	var out []string
	for len(s) > width {
		cut := strings.LastIndexByte(s[:width], ' ')
		if cut <= len(indent) {
			cut = width // one long token: split it, on a character boundary
			for cut > 0 && !utf8.RuneStart(s[cut]) {
				cut--
			}
		}
		out = append(out, strings.TrimRight(s[:cut], " "))
		s = indent + strings.TrimLeft(s[cut:], " ")
	}
	return append(out, s)
}
