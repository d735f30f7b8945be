// Package cluster is the manager's access to the cluster, shared by the
// admission webhook and the controller: lib's Resolver over the manager's
// cache and its host indexes, the kinds whose informers the manager starts,
// the controller ConfigMap turned into the Validator in force, and runnables
// every replica runs.
package cluster
