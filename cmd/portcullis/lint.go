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
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

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

func runLint(args []string, stdout, stderr io.Writer) int {
	var (
		files       stringList
		policyDirs  stringList
		output      string
		opts        lint.Options
		defaultCrt  intent.ObjectRef
		timeout     time.Duration
		timeoutOpen bool
	)
	fs := flag.NewFlagSet("lint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: portcullis lint -f FILE_OR_DIR [-f ...] [-o text|json|sarif|junit|github] [flags]\n\nJudges every Ingress, Policy, TLS/CA Secret and the controller ConfigMap in the\nfiles as the admission webhook would. Exit 0: all allowed; 1: something denied;\n2: unreadable input.\n\nflags:")
		fs.PrintDefaults()
	}
	var watchNamespaces stringList
	fs.Var(&files, "f", "a YAML/JSON file or a directory of them (repeatable; - for stdin)")
	fs.StringVar(&output, "o", "text", "output format: text, json, sarif (SARIF 2.1.0: GitHub code scanning), junit (JUnit XML) or github (GitHub Actions workflow commands)")
	fs.Var(refFlag{&opts.ConfigMap}, "configmap", "the controller ConfigMap, namespace/name (default portcullis-system/portcullis)")
	fs.BoolVar(&opts.EnableSSLPassthrough, "enable-ssl-passthrough", false, "judge as a controller running with --enable-ssl-passthrough")
	fs.Var(refFlag{&defaultCrt}, "default-ssl-certificate", "the default certificate secret, namespace/name")
	fs.StringVar(&opts.IngressClass, "ingress-class", "portcullis", "the ingress class that is ours")
	fs.BoolVar(&opts.WatchWithoutClass, "watch-ingress-without-class", false, "also judge Ingresses that name no class, as a controller running with that flag")
	fs.Var(&watchNamespaces, "watch-namespace", "judge only the Ingresses of this namespace, as a controller running with that flag (repeatable)")
	fs.StringVar(&opts.AnnotationsPrefix, "annotations-prefix", "nginx.ingress.kubernetes.io", "ingress-nginx annotation prefix")
	fs.Var(&policyDirs, "policies", "a directory of Rego policies (.rego, recursively) to apply beside the built-ins (repeatable)")
	fs.DurationVar(&timeout, "policy-timeout", policies.DefaultTimeout, "longest evaluation of the Rego policies for one object")
	fs.BoolVar(&timeoutOpen, "policy-timeout-allows", false, "admit (with a warning) an object whose policy evaluation timed out")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return lintAllowed
		}
		return lintBadCommand
	}
	for _, ns := range watchNamespaces {
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			fmt.Fprintf(stderr, "portcullis lint: --watch-namespace %q is not a namespace name: %s\n", ns, strings.Join(errs, "; "))
			return lintBadCommand
		}
	}
	opts.WatchNamespaces = watchNamespaces
	if len(files) == 0 || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "portcullis lint: give the input with -f FILE_OR_DIR")
		return lintBadCommand
	}
	if !slices.Contains(lint.Formats, output) {
		fmt.Fprintf(stderr, "portcullis lint: -o must be one of %s, got %q\n", strings.Join(lint.Formats, ", "), output)
		return lintBadCommand
	}
	if defaultCrt.Name != "" {
		opts.DefaultSSLCertificate = &defaultCrt
	}
	srcs, err := lint.Load(files)
	if err != nil {
		fmt.Fprintf(stderr, "portcullis lint: %v\n", err)
		return lintBadInput
	}
	engine, err := policies.New(policies.Options{Timeout: timeout, AllowOnTimeout: timeoutOpen})
	if err != nil {
		fmt.Fprintf(stderr, "portcullis lint: %v\n", err)
		return lintBadInput
	}
	var user []policies.Module
	for _, dir := range policyDirs {
		mods, _, err := policies.FromDir(dir)
		if err != nil {
			fmt.Fprintf(stderr, "portcullis lint: %v\n", err)
			return lintBadInput
		}
		user = append(user, mods...)
	}
	if err := engine.Load(context.Background(), user); err != nil {
		fmt.Fprintf(stderr, "portcullis lint: --policies: %v\n", err)
		return lintBadInput
	}
	opts.Review = policies.LintReviewer(engine)
	rep := lint.Judge(srcs, opts)
	switch output {
	case "json":
		err = rep.WriteJSON(stdout)
	case "sarif":
		err = rep.WriteSARIF(stdout, lint.Tool{Name: "portcullis", Version: version, InformationURI: "https://github.com/seed-d040b84d/portcullis"})
	case "junit":
		err = rep.WriteJUnit(stdout)
	case "github":
		err = rep.WriteGitHub(stdout)
	default:
		err = rep.WriteText(stdout, isTerminal(stdout))
	}
	if err != nil {
		fmt.Fprintf(stderr, "portcullis lint: write output: %v\n", err)
		return lintBadInput
	}
	if !rep.Allowed() {
		return lintDenied
	}
	return lintAllowed
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
