package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// benchOpts are the flags of the bench command.
type benchOpts struct {
	receivers []string
	syslogd   string
	rsyslogd  string
	rates     []int
	duration  time.Duration
	trials    int
	work      string
	rcvbuf    string
	rotSize   string
	hupAt     []time.Duration
	readers   int
	profile   bool
}

const benchConf = `global(workDirectory="{spool}")
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="{port}"{rcvbuf})
template(name="msgonly" type="string" string="%msg%\n")
local0.*      action(type="omfile" file="{dir}/traffic.log" template="RSYSLOG_TraditionalFileFormat")
local0.notice action(type="omfile" file="{dir}/admin.log" template="msgonly")
`

func cmdBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o benchOpts
	recv := fs.String("receivers", "rsyslog,syslogd", "receivers to compare, interleaved: rsyslog, syslogd")
	fs.StringVar(&o.syslogd, "syslogd", "./bin/syslogd", "syslogd binary")
	fs.StringVar(&o.rsyslogd, "rsyslogd", "/usr/sbin/rsyslogd", "rsyslogd binary")
	rates := fs.String("rates", "50000,100000,200000,0", "target rates in msg/s (0: as fast as possible, 2M messages)")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "blast duration per trial")
	fs.IntVar(&o.trials, "trials", 1, "trials per rate and receiver")
	fs.StringVar(&o.work, "work", filepath.Join(os.TempDir(), "syslogload-bench"), "work directory")
	fs.StringVar(&o.rcvbuf, "rcvbuf", "", "rcvbufSize for the imudp input (empty: each receiver's default)")
	fs.StringVar(&o.rotSize, "rotate-size", "", "rotate syslogd's files in process at this size (logrotate `size`, e.g. 20M)")
	hup := fs.String("hup-at", "", "comma-separated offsets into the blast at which files are renamed and the receiver gets SIGHUP")
	fs.IntVar(&o.readers, "readers", 0, "syslogd -readers (0: its default)")
	fs.BoolVar(&o.profile, "profile", false, "write syslogd's CPU profile to DIR/cpu.pprof")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	o.receivers = strings.Split(*recv, ",")
	for _, r := range strings.Split(*rates, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(r))
		if err != nil {
			fmt.Fprintln(stderr, "syslogload bench: bad rate", r)
			return 2
		}
		o.rates = append(o.rates, v)
	}
	if *hup != "" {
		for _, h := range strings.Split(*hup, ",") {
			d, err := time.ParseDuration(h)
			if err != nil {
				fmt.Fprintln(stderr, "syslogload bench: bad -hup-at", h)
				return 2
			}
			o.hupAt = append(o.hupAt, d)
		}
	}
	fmt.Fprintf(stdout, "%-8s %8s %9s %9s %8s %6s %6s %7s %9s %9s %s\n", "receiver", "target", "achieved", "messages", "lost%", "dup", "misrt", "kdrops", "cpu_us/msg", "cores", "admin")
	for _, rate := range o.rates {
		results := map[string][]trialResult{}
		for t := 0; t < o.trials; t++ {
			for _, rc := range o.receivers {
				r, err := o.trial(rc, rate, t)
				if err != nil {
					fmt.Fprintf(stderr, "syslogload bench: %s at %d: %v\n", rc, rate, err)
					return 1
				}
				fmt.Fprintln(stdout, r.row)
				results[rc] = append(results[rc], r)
			}
		}
		fmt.Fprintln(stdout, summary(rate, results))
	}
	return 0
}

// trialResult is one receiver's run at one rate.
type trialResult struct {
	row       string
	cpuPerMsg float64 // µs of CPU per message written
	lostPct   float64
}

// summary gives, for one rate, each receiver's median CPU per message and
// worst loss, and the ratio of the syslogd and rsyslog medians.
func summary(rate int, results map[string][]trialResult) string {
	med := func(rs []trialResult) (cpu, worst float64) {
		v := make([]float64, 0, len(rs))
		for _, r := range rs {
			v = append(v, r.cpuPerMsg)
			worst = max(worst, r.lostPct)
		}
		sort.Float64s(v)
		if len(v) == 0 {
			return 0, 0
		}
		if len(v)%2 == 1 {
			return v[len(v)/2], worst
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2, worst
	}
	out := fmt.Sprintf("== rate %d:", rate)
	var cpus = map[string]float64{}
	for _, rc := range []string{"rsyslog", "syslogd"} {
		if rs, ok := results[rc]; ok {
			c, w := med(rs)
			cpus[rc] = c
			out += fmt.Sprintf(" %s median %.2f us/msg, worst loss %.3f%%;", rc, c, w)
		}
	}
	if cpus["rsyslog"] > 0 && cpus["syslogd"] > 0 {
		out += fmt.Sprintf(" CPU ratio syslogd/rsyslog %.2f", cpus["syslogd"]/cpus["rsyslog"])
	}
	return out
}

func freeUDPPort() (int, error) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port, nil
}

func (o *benchOpts) trial(receiver string, rate, trial int) (trialResult, error) {
	port, err := freeUDPPort()
	if err != nil {
		return trialResult{}, err
	}
	dir := filepath.Join(o.work, fmt.Sprintf("%s-%d-%d", receiver, rate, trial))
	spool := filepath.Join(dir, "spool")
	_ = os.RemoveAll(dir)
	if err := os.MkdirAll(spool, 0o755); err != nil {
		return trialResult{}, err
	}
	rb := ""
	if o.rcvbuf != "" {
		rb = fmt.Sprintf(` rcvbufSize="%s"`, o.rcvbuf)
	}
	conf := strings.NewReplacer("{spool}", spool, "{port}", strconv.Itoa(port), "{dir}", dir, "{rcvbuf}", rb).Replace(benchConf)
	confPath := filepath.Join(dir, "receiver.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o644); err != nil {
		return trialResult{}, err
	}
	var cmd *exec.Cmd
	switch receiver {
	case "rsyslog":
		cmd = exec.Command(o.rsyslogd, "-n", "-f", confPath, "-i", filepath.Join(dir, "rsyslog.pid"))
	case "syslogd":
		args := []string{"-f", confPath}
		if o.rotSize != "" {
			rc := filepath.Join(dir, "logrotate.conf")
			text := fmt.Sprintf("%s/*.log {\n  size %s\n  rotate 1000\n  compress\n}\n", dir, o.rotSize)
			if err := os.WriteFile(rc, []byte(text), 0o644); err != nil {
				return trialResult{}, err
			}
			args = append(args, "-rotate-config", rc)
		}
		if o.profile {
			args = append(args, "-cpuprofile", filepath.Join(dir, "cpu.pprof"))
		}
		if o.readers > 0 {
			args = append(args, "-readers", strconv.Itoa(o.readers))
		}
		cmd = exec.Command(o.syslogd, args...)
	default:
		return trialResult{}, fmt.Errorf("unknown receiver %q", receiver)
	}
	logf, err := os.Create(filepath.Join(dir, "receiver.stderr"))
	if err != nil {
		return trialResult{}, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return trialResult{}, err
	}
	defer func() {
		if cmd.Process != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	inode, err := waitBound(port, 10*time.Second)
	if err != nil {
		return trialResult{}, err
	}
	n := rate * int(o.duration/time.Second)
	if rate == 0 {
		n = 2000000
	}
	rid := fmt.Sprintf("%s%d%d%d", receiver, rate, trial, time.Now().UnixNano()%1e6)
	cpu0 := procCPU(cmd.Process.Pid)
	drops0 := udpDrops(inode)
	hupDone := make(chan struct{})
	go func() {
		defer close(hupDone)
		start := time.Now()
		for k, at := range o.hupAt {
			time.Sleep(time.Until(start.Add(at)))
			for _, f := range []string{"traffic.log", "admin.log"} {
				p := filepath.Join(dir, f)
				_ = os.Rename(p, fmt.Sprintf("%s.r%d", p, k+1))
			}
			_ = cmd.Process.Signal(syscall.SIGHUP)
		}
	}()
	res, err := send(fmt.Sprintf("127.0.0.1:%d", port), n, rate, rid)
	if err != nil {
		return trialResult{}, err
	}
	<-hupDone
	waitQuiet(dir, 1500*time.Millisecond, 60*time.Second)
	cpu := procCPU(cmd.Process.Pid) - cpu0
	drops := udpDrops(inode) - drops0
	_ = cmd.Process.Signal(syscall.SIGTERM)
	waitExit(cmd, 30*time.Second)
	all, err := wanted("all")
	if err != nil {
		return trialResult{}, err
	}
	notice, _ := wanted("notice")
	tr, err := check(filepath.Join(dir, "traffic.log"), rid, n, all)
	if err != nil {
		return trialResult{}, err
	}
	ad, err := check(filepath.Join(dir, "admin.log"), rid, n, notice)
	if err != nil {
		return trialResult{}, err
	}
	achieved := float64(res.sent) / res.elapsed.Seconds()
	wall := res.elapsed.Seconds()
	r := trialResult{cpuPerMsg: float64(cpu.Microseconds()) / float64(max(tr.lines, 1)),
		lostPct: 100 * float64(tr.lost) / float64(n)}
	r.row = fmt.Sprintf("%-8s %8d %9.0f %9d %8.3f %6d %6d %7d %9.2f %9.2f lost %d dup %d misrouted %d; traffic files %d",
		receiver, rate, achieved, n, r.lostPct, tr.dup, tr.unexpected, drops,
		r.cpuPerMsg, cpu.Seconds()/wall,
		ad.lost, ad.dup, ad.unexpected, len(tr.files))
	return r, nil
}

// waitBound waits until a UDP socket is bound to port and returns its inode.
func waitBound(port int, timeout time.Duration) (uint64, error) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if ino, ok := udpInode(port); ok {
			return ino, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, fmt.Errorf("receiver did not bind udp port %d", port)
}

// udpLines returns the fields of /proc/net/udp lines.
func udpLines() [][][]byte {
	data, err := os.ReadFile("/proc/net/udp")
	if err != nil {
		return nil
	}
	var out [][][]byte
	for _, l := range bytes.Split(data, []byte("\n"))[1:] {
		if f := bytes.Fields(l); len(f) >= 13 {
			out = append(out, f)
		}
	}
	return out
}

func udpInode(port int) (uint64, bool) {
	suffix := fmt.Sprintf(":%04X", port)
	for _, f := range udpLines() {
		if bytes.HasSuffix(f[1], []byte(suffix)) {
			ino, err := strconv.ParseUint(string(f[9]), 10, 64)
			return ino, err == nil && ino != 0
		}
	}
	return 0, false
}

func udpDrops(inode uint64) int64 {
	want := strconv.FormatUint(inode, 10)
	for _, f := range udpLines() {
		if string(f[9]) == want {
			d, _ := strconv.ParseInt(string(f[len(f)-1]), 10, 64)
			return d
		}
	}
	return 0
}

// procCPU returns utime+stime of a process (all threads).
func procCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0
	}
	f := bytes.Fields(data[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(string(f[11]), 10, 64)
	st, _ := strconv.ParseInt(string(f[12]), 10, 64)
	return time.Duration(ut+st) * (time.Second / 100) // USER_HZ = 100
}

// waitQuiet waits until the files of dir stop growing for quiet.
func waitQuiet(dir string, quiet, max time.Duration) {
	deadline := time.Now().Add(max)
	last, since := int64(-1), time.Now()
	for time.Now().Before(deadline) {
		var total int64
		_ = filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() {
				total += fi.Size()
			}
			return nil
		})
		if total != last {
			last, since = total, time.Now()
		} else if time.Since(since) >= quiet {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func waitExit(cmd *exec.Cmd, timeout time.Duration) {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(timeout):
		_ = cmd.Process.Kill()
		<-done
	}
	cmd.Process = nil
}
