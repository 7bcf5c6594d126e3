package syslogd

import (
	"fmt"
	"sort"
	"strings"
)

// Sink receives the rendered lines of one output file. Each Write is one
// whole line. Implementations must be safe for concurrent use; *rotate.Writer
// is the production Sink.
type Sink interface {
	Write(p []byte) (int, error)
	Flush() error
	Reopen() error
	Close() error
}

// action is one (file, template) pair a message is written to, or, with
// stop set, the end of the message's processing. An action with filters
// applies only to the messages that pass them all.
type action struct {
	sink    *fileSink
	tmpl    *Template
	filters []*propFilter
	stop    bool
	// usr, for an omusrmsg action, is its user list ("*" or names
	// separated by commas): its renderings are framed with it
	// (appendUsrMsg) in the one sink of every omusrmsg action, which
	// keeps their order.
	usr string
}

// router maps a facility row and severity to the actions, in rule order,
// as an array index. It is immutable once built.
type router struct {
	routes      [numRows][8][]action
	needsHeader [numRows][8]bool
	sinks       map[string]*fileSink
}

// buildRouter compiles the rules of c. open returns the shared sink of a
// path (sinks are deduplicated by path: two rules naming one file share one
// writer).
func buildRouter(c *Config, open func(path string) (*fileSink, error)) (*router, error) {
	r := &router{sinks: map[string]*fileSink{}}
	acts := make([]action, len(c.Rules))
	for i, rule := range c.Rules {
		if rule.Stop {
			continue
		}
		path, usr := rule.Path, ""
		if u, ok := strings.CutPrefix(path, usrMsgPrefix); ok {
			path, usr = usrMsgPrefix, u
		}
		fs, ok := r.sinks[path]
		if !ok {
			var err error
			if fs, err = open(path); err != nil {
				return nil, fmt.Errorf("%s: open %s: %w", rule.Pos, path, err)
			}
			r.sinks[path] = fs
		}
		acts[i] = action{sink: fs, tmpl: c.Templates[rule.Template], usr: usr}
	}
	for fac := 0; fac < numRows; fac++ {
		for sev := 0; sev < 8; sev++ {
			var list []action
			for i, rule := range c.Rules {
				if !rule.Selector.Match(fac, sev) {
					continue
				}
				if rule.Stop && len(rule.filters) == 0 {
					break
				}
				a := acts[i]
				a.filters, a.stop = rule.filters, rule.Stop
				list = append(list, a)
				if a.filters != nil || (!a.stop && a.tmpl.needsHeader) {
					// The filters compare properties
					// of the parsed message.
					r.needsHeader[fac][sev] = true
				}
			}
			r.routes[fac][sev] = list
		}
	}
	return r, nil
}

// paths returns the sorted output paths.
func (r *router) paths() []string {
	p := make([]string, 0, len(r.sinks))
	for k := range r.sinks {
		p = append(p, k)
	}
	sort.Strings(p)
	return p
}
