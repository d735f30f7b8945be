// Package dockerfile checks the repository's Dockerfile without a Docker engine:
// it parses the instructions and asserts the stages, the user and the entrypoint.
package dockerfile
