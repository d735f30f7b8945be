package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lint"
	"github.com/seed-d040b84d/portcullis/policies"
)

// Exit codes of portcullis lint.
const (
	lintAllowed    = 0
	lintDenied     = 1
	lintBadInput   = 2
	lintBadCommand = 2
)

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// refFlag parses namespace/name.
type refFlag struct {
	ref *intent.ObjectRef
}

func (f refFlag) String() string {
	if f.ref == nil || f.ref.Name == "" {
		return ""
	}
	return f.ref.String()
}

func (f refFlag) Set(v string) error {
	ns, name, ok := strings.Cut(v, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return fmt.Errorf("want namespace/name, got %q", v)
	}
	*f.ref = intent.ObjectRef{Namespace: ns, Name: name}
	return nil
}

// lintFlags are the flags of portcullis lint.
type lintFlags struct {
	files  stringList
	output string
	// policiesAlias is set when --policies, lint's old name of
	// --policy-dir, was given.
	policiesAlias bool
	// judgeFlags are the flags that change a verdict, shared with the manager.
	judgeFlags
}

func (f *lintFlags) register(fs *flag.FlagSet) {
	fs.Var(&f.files, "f", "a YAML/JSON file or a directory of them (repeatable; - for stdin)")
	fs.StringVar(&f.output, "o", "text", "output format: text, json, sarif (SARIF 2.1.0: GitHub code scanning), junit (JUnit XML) or github (GitHub Actions workflow commands)")
	f.judgeFlags.register(fs, lint.DefaultConfigMap().String())
	fs.Var(aliasFlag{&f.policyDirs, &f.policiesAlias}, "policies", "deprecated: the old name of --policy-dir")
}

// check refuses a command line that cannot run, naming the flag.
func (f *lintFlags) check(fs *flag.FlagSet) error {
	if err := f.judgeFlags.check(); err != nil {
		return err
	}
	if len(f.files) == 0 || fs.NArg() > 0 {
		return errors.New("give the input with -f FILE_OR_DIR")
	}
	if !slices.Contains(lint.Formats, f.output) {
		return fmt.Errorf("-o must be one of %s, got %q", strings.Join(lint.Formats, ", "), f.output)
	}
	return nil
}

// runLint parses the command line, reads the files and the policies, judges
// the files as one world and writes the report; the exit code says how it went.
func runLint(args []string, stdout, stderr io.Writer) int {
	var f lintFlags
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: portcullis lint -f FILE_OR_DIR [-f ...] [-o text|json|sarif|junit|github] [flags]\n\nJudges every Ingress, Policy, TLS/CA Secret and the controller ConfigMap in the\nfiles as the admission webhook would. Exit 0: all allowed; 1: something denied;\n2: unreadable input.\n\nflags:")
		fs.PrintDefaults()
	}
	f.register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return lintAllowed
		}
		return lintBadCommand
	}
	if err := f.check(fs); err != nil {
		fmt.Fprintf(stderr, "portcullis lint: %v\n", err)
		return lintBadCommand
	}
	if f.policiesAlias {
		fmt.Fprintln(stderr, "portcullis lint: --policies is deprecated; use --policy-dir (the same flag as on the manager)")
	}
	rep, err := f.judge()
	if err != nil {
		fmt.Fprintf(stderr, "portcullis lint: %v\n", err)
		return lintBadInput
	}
	if err := writeReport(stdout, rep, f.output); err != nil {
		fmt.Fprintf(stderr, "portcullis lint: write output: %v\n", err)
		return lintBadInput
	}
	if !rep.Allowed() {
		return lintDenied
	}
	return lintAllowed
}

// judge reads the files and the Rego policies and judges the files.
func (f *lintFlags) judge() (*lint.Report, error) {
	srcs, err := lint.Load(f.files)
	if err != nil {
		return nil, err
	}
	engine, _, err := f.policyEngine(context.Background())
	if err != nil {
		return nil, err
	}
	opts := f.lintOptions()
	opts.Review = policies.LintReviewer(engine)
	rep := lint.Judge(srcs, opts)
	return &rep, nil
}

// writeReport writes the report in the output format.
func writeReport(w io.Writer, rep *lint.Report, output string) error {
	switch output {
	case "json":
		return rep.WriteJSON(w)
	case "sarif":
		return rep.WriteSARIF(w, lint.Tool{Name: "portcullis", Version: version, InformationURI: "https://github.com/seed-d040b84d/portcullis"})
	case "junit":
		return rep.WriteJUnit(w)
	case "github":
		return rep.WriteGitHub(w)
	default:
		return rep.WriteText(w, isTerminal(w))
	}
}

// isTerminal reports whether w is a character device (colour only there).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
