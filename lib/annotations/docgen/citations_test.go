package docgen

import (
	"bufio"
	"bytes"
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// citation is a reference to a page of the repository's docs, with its
// anchor when there is one: docs/reference.md#tls-secrets.
var citation = regexp.MustCompile(`(?:^|[^A-Za-z0-9_./-])(?:\.\./)*docs/([A-Za-z0-9_-]+\.md)(?:#([A-Za-z0-9_-]+))?`)

// TestCommentsCiteDocsThatExist: code comments point to the repository's
// docs, never to the design file outside it that they once cited, and every
// docs/<page>.md#<anchor> they cite is a heading of that page, so a renamed
// heading or page cannot leave comments pointing nowhere. README.md and docs/
// do not mention that design file either.
func TestCommentsCiteDocsThatExist(t *testing.T) {
	root := filepath.Join(filepath.Dir(docPath(t)), "..")
	pages := map[string]map[string]bool{} // page → its anchors; nil when it does not exist
	anchorsOf := func(page string) map[string]bool {
		a, ok := pages[page]
		if !ok {
			raw, err := os.ReadFile(filepath.Join(root, "docs", page))
			if err == nil {
				a = markdownAnchors(raw)
			}
			pages[page] = a
		}
		return a
	}
	var problems []string
	cited := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		for _, g := range f.Comments {
			for _, c := range g.List {
				at := fmt.Sprintf("%s:%d", rel, fset.Position(c.Pos()).Line)
				if strings.Contains(c.Text, "FEATURES.md") {
					problems = append(problems, at+": cites FEATURES.md, which is not in the repository; cite a page of docs/ (docs/reference.md)")
				}
				for _, m := range citation.FindAllStringSubmatch(c.Text, -1) {
					cited++
					page, anchor := m[1], m[2]
					anchors := anchorsOf(page)
					switch {
					case anchors == nil:
						problems = append(problems, fmt.Sprintf("%s: cites docs/%s, which does not exist", at, page))
					case anchor != "" && !anchors[anchor]:
						problems = append(problems, fmt.Sprintf("%s: cites docs/%s#%s, but no heading of that page has that anchor", at, page, anchor))
					}
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	require.NotZero(t, cited, "no comment cites docs/: the scan found nothing")

	mds, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	for _, md := range append(mds, filepath.Join(root, "README.md")) {
		raw, err := os.ReadFile(md)
		require.NoError(t, err)
		if bytes.Contains(raw, []byte("FEATURES.md")) {
			rel, _ := filepath.Rel(root, md)
			problems = append(problems, rel+": mentions FEATURES.md, which is not in the repository")
		}
	}
	assert.Empty(t, problems, "problems:\n%s", strings.Join(problems, "\n"))
}

var (
	heading     = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	explicitID  = regexp.MustCompile(`<a\s+(?:id|name)="([^"]+)"`)
	inlineLink  = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
	fenceMarker = regexp.MustCompile("^\\s*(```|~~~)")
)

// markdownAnchors are the anchors a Markdown page has on GitHub: one per heading
// (its text lower-cased, spaces turned to '-', every other character but
// letters, digits, '-' and '_' dropped; a repeated one gets -1, -2, …), and
// each explicit <a id="…">.
func markdownAnchors(md []byte) map[string]bool {
	out := map[string]bool{}
	seen := map[string]int{}
	inFence := false
	sc := bufio.NewScanner(bytes.NewReader(md))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if fenceMarker.MatchString(line) {
			inFence = !inFence
			continue
		}
		if inFence {
			continue
		}
		for _, m := range explicitID.FindAllStringSubmatch(line, -1) {
			out[m[1]] = true
		}
		m := heading.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		s := slug(m[1])
		if n := seen[s]; n > 0 {
			out[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	}
	return out
}

func slug(text string) string {
	text = strings.ToLower(inlineLink.ReplaceAllString(text, "$1"))
	var b strings.Builder
	for _, r := range text {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

func TestAnchors(t *testing.T) {
	md := "# Admission webhook\n\n## What it judges\n\n```\n## not a heading\n```\n" +
		"## Global ConfigMap (`--configmap`, default `portcullis-system/portcullis`)\n" +
		"### Policy `spec.ingressMTLS`\n## Tests\n## Tests\n<a id=\"verdicts\"></a>\n"
	got := markdownAnchors([]byte(md))
	want := map[string]bool{
		"admission-webhook": true, "what-it-judges": true,
		"global-configmap---configmap-default-portcullis-systemportcullis": true,
		"policy-specingressmtls": true, "tests": true, "tests-1": true, "verdicts": true,
	}
	assert.Equal(t, want, got)
}
