package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// statsNodeName is the node name of "stats show-node [name]": the
// argument, else the host name (HAProxy's global "node", which defaults
// to the host name).
func statsNodeName(args []string) string {
	if len(args) > 0 && args[0] != "" {
		return args[0]
	}
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}

// ServicePrometheus is the name of HAProxy's Prometheus exporter service.
const ServicePrometheus = "prometheus-exporter"

// useServiceArgs parses "http-request use-service <name>".
func useServiceArgs(r *HTTPRule, args []string) error {
	switch {
	case len(args) == 0:
		return errors.New("expects a service name")
	case len(args) > 1:
		return extraWord(args[1])
	case strings.HasPrefix(args[0], "lua."):
		return fmt.Errorf("'%s' : Lua services are not supported by this implementation: %w", args[0], ErrUnsupported)
	case args[0] != ServicePrometheus:
		return fmt.Errorf("'%s' unknown service name", args[0])
	}
	r.Value = args[0]
	return nil
}
