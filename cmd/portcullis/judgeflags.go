package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/seed-d040b84d/portcullis/lib/intent"
	"github.com/seed-d040b84d/portcullis/lib/validate"
	"github.com/seed-d040b84d/portcullis/lint"
	"github.com/seed-d040b84d/portcullis/policies"
)

// judgeFlags are the flags that change a verdict. `portcullis manager` and
// `portcullis lint` register them with one function, under the same names,
// so a lint run given the manager's flags judges as the cluster does.
type judgeFlags struct {
	configMap       intent.ObjectRef
	class           string
	withoutClass    bool
	watchNamespaces stringList
	prefix          string
	passthrough     bool
	defaultCert     intent.ObjectRef
	policyDirs      stringList
	policyTimeout   time.Duration
	timeoutAllows   bool
}

// register adds the flags to fs; configMapDefault says what an unset
// --configmap means.
func (j *judgeFlags) register(fs *flag.FlagSet, configMapDefault string) {
	fs.Var(refFlag{&j.configMap}, "configmap", "the controller ConfigMap, namespace/name (default "+configMapDefault+")")
	fs.StringVar(&j.class, "ingress-class", validate.DefaultClassName, "the ingress class that is ours (so is every IngressClass whose controller is "+validate.ControllerName+")")
	fs.BoolVar(&j.withoutClass, "watch-ingress-without-class", false, "also serve and judge Ingresses that name no class")
	fs.Var(&j.watchNamespaces, "watch-namespace", "serve and judge only the Ingresses of this namespace (repeatable; default every namespace); the manager then reads namespaced objects only there and in --namespace")
	fs.StringVar(&j.prefix, "annotations-prefix", "nginx.ingress.kubernetes.io", "ingress-nginx annotation prefix")
	fs.BoolVar(&j.passthrough, "enable-ssl-passthrough", false, "admit and serve ssl-passthrough (otherwise ssl-passthrough: \"true\" is refused)")
	fs.Var(refFlag{&j.defaultCert}, "default-ssl-certificate", "the default certificate secret, namespace/name")
	fs.Var(&j.policyDirs, "policy-dir", "a directory of Rego policies (.rego, recursively) applied beside the built-ins and the ConfigMaps labelled portcullis.dev/policy (repeatable)")
	fs.DurationVar(&j.policyTimeout, "policy-timeout", policies.DefaultTimeout, "longest evaluation of the Rego policies for one object")
	fs.BoolVar(&j.timeoutAllows, "policy-timeout-allows", false, "admit (with a warning) an object whose policy evaluation timed out; by default it is denied")
}

// check refuses values no cluster could hold, naming the flag.
func (j *judgeFlags) check() error {
	if errs := validation.IsDNS1123Subdomain(j.class); len(errs) > 0 {
		return fmt.Errorf("--ingress-class %q is not an IngressClass name: %s", j.class, strings.Join(errs, "; "))
	}
	for _, ns := range j.watchNamespaces {
		if errs := validation.IsDNS1123Label(ns); len(errs) > 0 {
			return fmt.Errorf("--watch-namespace %q is not a namespace name: %s", ns, strings.Join(errs, "; "))
		}
	}
	return nil
}

// validateOptions are lib's options from the flags (the ConfigMap supplies
// Config).
func (j *judgeFlags) validateOptions() validate.Options {
	o := validate.Options{
		Class:                validate.ClassOptions{Name: j.class, WatchWithoutClass: j.withoutClass, Namespaces: j.watchNamespaces},
		AnnotationsPrefix:    j.prefix,
		EnableSSLPassthrough: j.passthrough,
	}
	if j.defaultCert.Name != "" {
		d := j.defaultCert
		o.DefaultSSLCertificate = &d
	}
	return o
}

// lintOptions are lint's options from the flags.
func (j *judgeFlags) lintOptions() lint.Options {
	v := j.validateOptions()
	return lint.Options{
		ConfigMap: j.configMap, IngressClass: v.Class.Name, WatchWithoutClass: v.Class.WatchWithoutClass,
		WatchNamespaces: v.Class.Namespaces, AnnotationsPrefix: v.AnnotationsPrefix,
		EnableSSLPassthrough: v.EnableSSLPassthrough, DefaultSSLCertificate: v.DefaultSSLCertificate,
	}
}

// policyEngine is the Rego engine with --policy-timeout, loaded with the
// modules of every --policy-dir, which it also returns.
func (j *judgeFlags) policyEngine(ctx context.Context) (*policies.Engine, []policies.Module, error) {
	engine, err := policies.New(policies.Options{Timeout: j.policyTimeout, AllowOnTimeout: j.timeoutAllows})
	if err != nil {
		return nil, nil, err
	}
	var mods []policies.Module
	for _, dir := range j.policyDirs {
		m, _, err := policies.FromDir(dir)
		if err != nil {
			return nil, nil, fmt.Errorf("--policy-dir: %w", err)
		}
		mods = append(mods, m...)
	}
	if err := engine.Load(ctx, mods); err != nil {
		return nil, nil, fmt.Errorf("--policy-dir: %w", err)
	}
	return engine, mods, nil
}

// aliasFlag is a deprecated name of a repeatable flag: it appends to the same
// list and records that the old name was used.
type aliasFlag struct {
	list *stringList
	used *bool
}

func (a aliasFlag) String() string {
	if a.list == nil {
		return ""
	}
	return a.list.String()
}

func (a aliasFlag) Set(v string) error { *a.used = true; return a.list.Set(v) }
