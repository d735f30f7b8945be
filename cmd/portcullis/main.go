// Command portcullis is the single portcullis binary: `manager` (the admission
// webhook and the data plane, in a cluster), `lint` (the same verdicts offline),
// `policy test` (Rego unit tests), `dev` (all of it locally, for newcomers) and
// `version`.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

// command is one subcommand: it parses its own flags from args and returns the
// process exit code.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"dev":     {"run all of portcullis locally (kube-apiserver, etcd, the manager, nginx, cert-manager and an ACME server) for trying it out", runDev},
	"manager": {"run the admission webhook and the data plane (nginx, the passthrough proxy) against a cluster", runManager},
	"policy":  {"test Rego policies: portcullis policy test DIR", runPolicy},
	"lint":    {"judge Ingresses, Policies, Secrets and the ConfigMap in YAML files, offline", runLint},
	"version": {"print the version", runVersion},
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "portcullis: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: portcullis <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}
