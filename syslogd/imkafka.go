package syslogd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// kafkaInput is one input(type="imkafka"): a consumer-group member that
// routes each record like a received message, drops ids (IDHeader) it
// already wrote, and commits the offsets only after the lines were handed
// to the files and the ids recorded.
type kafkaInput struct {
	brokers  []string
	topic    string
	group    string
	opts     []kgo.Opt
	stateDir string // where the ids written are kept (dedupe across restarts)
	pos      string
	ruleset  string // routing key of its ruleset= (cfgParser.useRuleset)
}

// imkafkaInput parses input(type="imkafka" ...); called from
// cfgParser.input.
func (p *cfgParser) imkafkaInput(params map[string]string, n int) error {
	in := kafkaInput{brokers: []string{"localhost:9092"}, group: "default", pos: p.pos(n)}
	for k, v := range params {
		switch k {
		case "type":
		case "broker":
			in.brokers = splitArray(v)
		case "topic":
			in.topic = v
		case "consumergroup":
			in.group = v
		case "confparam":
			for _, kv := range splitArray(v) {
				if k, v, _ := strings.Cut(kv, "="); strings.TrimSpace(k) == "client.id" {
					in.opts = append(in.opts, kgo.ClientID(strings.TrimSpace(v)))
					continue
				}
				return p.errf(n, "confparam", "%q: %w", kv, ErrUnsupported)
			}
		case "statedirectory", "dedupe.directory":
			in.stateDir = v
		case "ruleset":
			in.ruleset = p.useRuleset(v, n)
		case "parsehostname":
			p.warn(n, "imkafka %s=%q ignored", k, v)
		default:
			return p.errf(n, k, "imkafka parameter %q: %w", k, ErrUnsupported)
		}
	}
	if in.topic == "" {
		return p.errf(n, "topic", "imkafka input without topic")
	}
	if in.stateDir == "" {
		return p.errf(n, "stateDirectory", "imkafka needs stateDirectory= (the ids already written are kept there)")
	}
	p.c.services = append(p.c.services, in.run)
	return nil
}

// imkafkaDups counts records dropped as already written.
var imkafkaDups atomic.Uint64

// seenIDs is a bounded set of ids with a journal: the newest max ids are
// kept in memory; the journal is rewritten when it holds 2*max.
type seenIDs struct {
	max   int
	set   map[string]struct{}
	order []string
	f     *os.File
	w     *bufio.Writer
	lines int
	path  string
}

const dedupeWindow = 2_000_000

func openSeen(path string, max int) (*seenIDs, error) {
	s := &seenIDs{max: max, set: map[string]struct{}{}, path: path}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			s.add(sc.Text())
			s.lines++
		}
		f.Close()
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("imkafka: %w", err)
	}
	s.f, s.w = f, bufio.NewWriterSize(f, 1<<16)
	return s, nil
}

func (s *seenIDs) has(id string) bool { _, ok := s.set[id]; return ok }

func (s *seenIDs) add(id string) {
	if _, ok := s.set[id]; ok {
		return
	}
	s.set[id] = struct{}{}
	s.order = append(s.order, id)
	if len(s.order) > s.max {
		drop := len(s.order) - s.max
		for _, o := range s.order[:drop] {
			delete(s.set, o)
		}
		s.order = append(s.order[:0], s.order[drop:]...)
	}
}

func (s *seenIDs) record(id string) {
	s.add(id)
	s.w.WriteString(id)
	s.w.WriteByte('\n')
	s.lines++
}

// sync writes the journal and compacts it when it grew past 2*max.
func (s *seenIDs) sync() error {
	if err := s.w.Flush(); err != nil {
		return err
	}
	if s.lines < 2*s.max {
		return nil
	}
	tmp := s.path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, id := range s.order {
		w.WriteString(id)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	f.Close()
	if err := os.Rename(tmp, s.path); err != nil {
		return err
	}
	s.f.Close()
	if s.f, err = os.OpenFile(s.path, os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		return err
	}
	s.w.Reset(s.f)
	s.lines = len(s.order)
	return nil
}

func (in kafkaInput) run(ctx context.Context, s *Server) {
	log := s.log
	seen, err := openSeen(filepath.Join(in.stateDir, "imkafka-"+sanitize(in.group)+"-"+sanitize(in.topic)+".ids"), dedupeWindow)
	if err != nil {
		log.Error("imkafka", "input", in.pos, "err", err)
		return
	}
	defer seen.f.Close()
	opts := append([]kgo.Opt{kgo.SeedBrokers(in.brokers...), kgo.ConsumeTopics(in.topic), kgo.ConsumerGroup(in.group),
		kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		// Resume within a second of a broker coming back (kafkaBackoff).
		kgo.MetadataMinAge(kafkaBackoff(time.Second)),
		kgo.RetryBackoffFn(func(int) time.Duration { return kafkaBackoff(time.Second) })}, in.opts...)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		log.Error("imkafka", "input", in.pos, "err", err)
		return
	}
	defer cl.Close()
	w := s.newWorker(false)
	w.key = in.ruleset
	local := sender{name: []byte("localhost"), ip: []byte("127.0.0.1")}
	if h, err := os.Hostname(); err == nil {
		local.name = []byte(h)
	}
	for ctx.Err() == nil {
		fs := cl.PollRecords(ctx, 10000)
		if ctx.Err() != nil {
			return
		}
		fs.EachError(func(t string, p int32, err error) {
			if !errors.Is(err, context.Canceled) {
				log.Warn("imkafka fetch", "topic", t, "partition", p, "err", err)
			}
		})
		var recs []*kgo.Record
		w.begin()
		fs.EachRecord(func(r *kgo.Record) {
			recs = append(recs, r)
			id := ""
			for _, h := range r.Headers {
				if h.Key == IDHeader {
					id = string(h.Value)
				}
			}
			if id != "" {
				if seen.has(id) {
					imkafkaDups.Add(1)
					return
				}
				seen.record(id)
			}
			w.route(r.Value, local)
		})
		sn := s.acquire()
		w.end()
		if len(recs) == 0 {
			sn.release()
			continue
		}
		// Durable before the commit: the lines reach the files (write(2):
		// a kill -9 of syslogd does not lose them), then the ids.
		var ferr error
		for _, f := range sn.sinks {
			if err := f.flush(); err != nil {
				ferr = err
			}
		}
		sn.release()
		if err := seen.sync(); err != nil && ferr == nil {
			ferr = err
		}
		if ferr != nil {
			log.Error("imkafka: write failed, offsets not committed", "input", in.pos, "err", ferr)
			continue
		}
		for ctx.Err() == nil {
			if err := cl.CommitRecords(ctx, recs...); err == nil {
				break
			} else {
				log.Warn("imkafka commit", "input", in.pos, "err", err)
				time.Sleep(250 * time.Millisecond)
			}
		}
	}
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == 0 {
			return '_'
		}
		return r
	}, s)
}

// startServices starts the configuration's services (imkafka inputs) and
// returns a function that stops them and waits.
func (s *Server) startServices(ctx context.Context) func() {
	cfg := s.snap.Load().cfg
	if cfg == nil || len(cfg.services) == 0 {
		return func() {}
	}
	sctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, svc := range cfg.services {
		wg.Add(1)
		go func() { defer wg.Done(); svc(sctx, s) }()
	}
	return func() { cancel(); wg.Wait() }
}
