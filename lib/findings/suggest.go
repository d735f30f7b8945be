package findings

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxSuggestDistance is the largest edit distance at which a near miss is named
// as the probable intent ("did you mean ...?").
const maxSuggestDistance = 2

// Closest returns the candidate nearest to s by edit distance, if it is within
// distance 2 and not s itself. Ties go to the earlier candidate.
func Closest(s string, candidates []string) (string, bool) {
	best, bestD := "", maxSuggestDistance+1
	for _, c := range candidates {
		if c == s {
			return "", false
		}
		if d := Distance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD <= maxSuggestDistance
}

// DidYouMean returns ` (did you mean "x"?)` for the closest candidate, or "".
func DidYouMean(s string, candidates []string) string {
	if c, ok := Closest(s, candidates); ok {
		return fmt.Sprintf("; did you mean %q?", c)
	}
	return ""
}

// NotSupported builds the error for an enumerated value that is not allowed:
// what was found, the allowed values, and the nearest one when close.
func NotSupported(path *field.Path, value string, allowed []string) *field.Error {
	return field.Invalid(path, value, fmt.Sprintf("got %s, allowed: %s%s",
		strconv.Quote(value), QuoteList(allowed), DidYouMean(value, allowed)))
}

// QuoteList renders values as "a", "b" or "c".
func QuoteList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = strconv.Quote(v)
	}
	switch len(q) {
	case 0:
		return "(none)"
	case 1:
		return q[0]
	default:
		return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
	}
}

// Distance is the optimal-string-alignment edit distance (insertions, deletions,
// substitutions and adjacent transpositions) between a and b, over bytes.
func Distance(a, b string) int {
	if a == b {
		return 0
	}
	la, lb := len(a), len(b)
	prev2 := make([]int, lb+1)
	prev := make([]int, lb+1)
	cur := make([]int, lb+1)
	for j := 0; j <= lb; j++ {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[lb]
}
