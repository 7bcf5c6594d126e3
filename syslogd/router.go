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
// applies only to the messages that pass them all. A set statement is an
// action too (set), and so is a dynaFile (dyn: the file name is rendered
// for each message).
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
	set *setStmt
	dyn *Template // dynaFile: the template of the file name (sink is a dynaSink)
}

// rsTable maps a facility row and severity to the actions of one ruleset,
// in rule order, as an array index.
type rsTable struct {
	routes      [numRows][8][]action
	needsHeader [numRows][8]bool
}

// router holds the tables of the rulesets. It is immutable once built.
type router struct {
	def    *rsTable            // the default ruleset
	inputs map[string]*rsTable // the table of each input bound to another ruleset, by worker.key
	sinks  map[string]*fileSink
	memos  int // the highest memo slot of an if condition (rexpr.memo)
}

// table returns the table of the input whose listener has key.
func (r *router) table(key string) *rsTable {
	if t, ok := r.inputs[key]; ok {
		return t
	}
	return r.def
}

// sinkKey is the key of a rule's sink: its path, "?" and the position of
// a dynaFile action (each has its own cache of open files, as in rsyslog).
func sinkKey(rule *Rule) string {
	if rule.Dyna != "" {
		return "?" + rule.Dyna + "@" + rule.Pos
	}
	return rule.Path
}

// buildRouter compiles the rules of c. open returns the shared sink of a
// path or dynaFile key (sinks are deduplicated: two rules naming one file
// share one writer).
func buildRouter(c *Config, open func(path string) (*fileSink, error)) (*router, error) {
	r := &router{sinks: map[string]*fileSink{}, inputs: map[string]*rsTable{}}
	memos := c.memos // the clones of conditions in called rulesets are numbered on
	tables := map[string]*rsTable{}
	build := func(name string) (*rsTable, error) {
		if t, ok := tables[name]; ok {
			return t, nil
		}
		rules, err := c.expand(name, nil, &memos)
		if err != nil {
			return nil, err
		}
		t, err := r.buildTable(c, rules, open)
		if err != nil {
			return nil, err
		}
		tables[name] = t
		return t, nil
	}
	var err error
	if r.def, err = build(""); err != nil {
		return nil, err
	}
	for _, ref := range c.rsRefs {
		t, err := build(ref.name)
		if err != nil {
			return nil, err
		}
		r.inputs[ref.input] = t
	}
	r.memos = memos
	return r, nil
}

// buildTable compiles the rules of one ruleset (calls expanded).
func (r *router) buildTable(c *Config, rules []Rule, open func(path string) (*fileSink, error)) (*rsTable, error) {
	t := &rsTable{}
	acts := make([]action, len(rules))
	for i := range rules {
		rule := &rules[i]
		if rule.set != nil {
			acts[i] = action{set: rule.set}
			continue
		}
		if rule.Stop {
			continue
		}
		path, usr := sinkKey(rule), ""
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
		if rule.Dyna != "" {
			acts[i].dyn = c.Templates[rule.Dyna]
		}
	}
	for fac := 0; fac < numRows; fac++ {
		for sev := 0; sev < 8; sev++ {
			var list []action
			for i, rule := range rules {
				if !rule.Selector.Match(fac, sev) {
					continue
				}
				if rule.Stop && len(rule.filters) == 0 {
					break
				}
				a := acts[i]
				a.filters, a.stop = rule.filters, rule.Stop
				list = append(list, a)
				if a.filters != nil || a.set != nil || a.dyn != nil || (!a.stop && a.tmpl.needsHeader) {
					// The filters and expressions compare
					// properties of the parsed message.
					t.needsHeader[fac][sev] = true
				}
			}
			t.routes[fac][sev] = list
		}
	}
	return t, nil
}

// paths returns the sorted output paths (not the dynaFile actions).
func (r *router) paths() []string {
	p := make([]string, 0, len(r.sinks))
	for k := range r.sinks {
		if !strings.HasPrefix(k, "?") {
			p = append(p, k)
		}
	}
	sort.Strings(p)
	return p
}
