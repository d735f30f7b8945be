package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/seed-d040b84d/portcullis/policies"
)

// runPolicy dispatches `portcullis policy <subcommand>`.
func runPolicy(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "test" {
		fmt.Fprintln(stderr, "usage: portcullis policy test [-v] DIR [DIR ...]\n\nRuns the Rego tests (test_ rules in *_test.rego) of the policies in each\ndirectory, with the built-in policies beside them, as `opa test` would.\nExit 0: all pass; 1: a test fails; 2: a policy does not compile or there\nare no tests.")
		return 2
	}
	fs := flag.NewFlagSet("policy test", flag.ContinueOnError)
	fs.SetOutput(stderr)
	verbose := fs.Bool("v", false, "list passing tests too")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "portcullis policy test: give at least one directory of policies")
		return 2
	}
	var mods []policies.Module
	tests := 0
	for _, dir := range fs.Args() {
		m, t, err := policies.FromDir(dir)
		if err != nil {
			fmt.Fprintf(stderr, "portcullis policy test: %v\n", err)
			return 2
		}
		mods = append(append(mods, m...), t...)
		tests += len(t)
	}
	if tests == 0 {
		fmt.Fprintln(stderr, "portcullis policy test: no *_test.rego files found")
		return 2
	}
	results, err := policies.RunTests(context.Background(), mods)
	if err != nil {
		fmt.Fprintf(stderr, "portcullis policy test: %v\n", err)
		return 2
	}
	failed, ran := 0, 0
	for _, r := range results {
		ran++
		switch {
		case !r.Pass:
			failed++
			fmt.Fprintf(stdout, "FAIL %s (%s): %s\n", r.Name, r.Location, r.Problem)
		case *verbose:
			fmt.Fprintf(stdout, "PASS %s (%s)\n", r.Name, r.Location)
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", ran-failed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}
