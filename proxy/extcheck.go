package proxy

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/haplog/haplog/proxy/config"
)

// External check statuses (srv_check_status), after hcL7Sts.
const (
	hcProcErr  = 17
	hcProcTout = 18
	hcProcOK   = 19
)

// extCheckTimeout is how long an external check may run before it is
// killed. Measured on haproxy 2.6.12: the check interval, or the smaller
// of the interval and "timeout connect" when "timeout check" is set (the
// value of "timeout check" itself plays no part).
func extCheckTimeout(s *server) time.Duration {
	_, _, inter, _, _ := defaults(s.cfg)
	t := s.be.cfg.Timeouts
	if t.Check > 0 && t.Connect > 0 && t.Connect < inter {
		return t.Connect
	}
	return inter
}

// extCheckArgs returns the command's arguments (without argv[0]) and its
// whole environment, as haproxy 2.6 builds them: <proxy_addr>
// <proxy_port> <server_addr> <server_port>, the proxy's first listener
// ("NOT_USED" for a backend, whose HAPROXY_PROXY_ADDR/PORT are empty), and
// PATH from "external-check path" (empty by default). Nothing of our own
// environment is passed.
func extCheckArgs(s *server) (args, env []string) {
	pc := s.be.cfg
	paddr, pport := "", ""
	if pc.Cap&config.CapFrontend != 0 && len(pc.Binds) > 0 {
		a := pc.Binds[0].Addr
		host := a.Host
		if host == "" || host == "*" {
			host = "0.0.0.0"
		}
		paddr, pport = host, strconv.Itoa(a.Port)
	}
	aaddr, aport := paddr, pport
	if aaddr == "" {
		aaddr, aport = "NOT_USED", "NOT_USED"
	}
	host := s.cfg.Addr.Host
	if ip, err := netip.ParseAddr(host); err == nil {
		host = ip.String()
	}
	port := strconv.Itoa(s.cfg.Addr.Port)
	ssl := "0"
	if s.tls != nil {
		ssl = "1"
	}
	path := ""
	if pc.ExternalCheck != nil {
		path = pc.ExternalCheck.Path
	}
	env = []string{
		"PATH=" + path,
		"HAPROXY_PROXY_NAME=" + pc.Name,
		"HAPROXY_PROXY_ID=" + strconv.Itoa(pc.ID),
		"HAPROXY_PROXY_ADDR=" + paddr,
		"HAPROXY_PROXY_PORT=" + pport,
		"HAPROXY_SERVER_NAME=" + s.cfg.Name,
		"HAPROXY_SERVER_ID=" + strconv.Itoa(s.cfg.ID),
		"HAPROXY_SERVER_ADDR=" + host,
		"HAPROXY_SERVER_PORT=" + port,
		"HAPROXY_SERVER_MAXCONN=" + strconv.Itoa(s.cfg.MaxConn),
		"HAPROXY_SERVER_CURCONN=" + strconv.FormatInt(s.cur.Load(), 10),
		"HAPROXY_SERVER_SSL=" + ssl,
		"HAPROXY_SERVER_PROTO=tcp",
	}
	return []string{aaddr, aport, host, port}, env
}

// runExternalCheck runs "external-check command" for s and judges it by
// its exit status: 0 passes, anything else fails; a command still running
// after extCheckTimeout is killed and the check times out.
func (h *health) runExternalCheck(ctx context.Context, s *server) checkResult {
	args, env := extCheckArgs(s)
	command := s.be.cfg.ExternalCheck.Command
	cmd := &exec.Cmd{Path: command, Args: append([]string{command}, args...), Env: env,
		Stdout: os.Stdout, Stderr: os.Stderr}
	start := h.p.now()
	if err := cmd.Start(); err != nil {
		// haproxy's forked child reports the failed exec and exits 255.
		fmt.Fprintf(os.Stderr, "[ALERT]    (%d) : Failed to exec process for external health check: %s. Aborting.\n",
			os.Getpid(), errText(err))
		return checkResult{code: hcProcErr, reason: "External check error, code: 255", duration: h.p.now().Sub(start)}
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	timer := time.NewTimer(extCheckTimeout(s))
	defer timer.Stop()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		cmd.Process.Signal(syscall.SIGTERM)
		<-done
		return checkResult{code: hcProcTout, reason: "External check timeout, code: 0", duration: h.p.now().Sub(start)}
	case <-timer.C:
		// haproxy 2.6 prints "kill <pid>" as a warning and sends SIGTERM.
		if h.p.opts.Stderr != nil {
			fmt.Fprintf(h.p.opts.Stderr, "[WARNING]  (%d) : kill %d\n", h.p.opts.PID, cmd.Process.Pid)
		}
		cmd.Process.Signal(syscall.SIGTERM)
		<-done
		return checkResult{code: hcProcTout, reason: "External check timeout, code: 0", duration: h.p.now().Sub(start)}
	}
	dur := h.p.now().Sub(start)
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return checkResult{code: hcProcErr, reason: "External check error, code: 255", duration: dur}
		}
		code = ee.ExitCode()
	}
	if code == 0 {
		return checkResult{ok: true, code: hcProcOK, reason: "External check passed, code: 0", duration: dur}
	}
	return checkResult{code: hcProcErr, reason: "External check error, code: " + strconv.Itoa(code), duration: dur}
}

// errText is the strerror text of err's errno ("No such file or
// directory"), or err itself.
func errText(err error) string {
	var en syscall.Errno
	if errors.As(err, &en) {
		s := en.Error()
		if s != "" && s[0] >= 'a' && s[0] <= 'z' {
			return string(s[0]-'a'+'A') + s[1:]
		}
	}
	return err.Error()
}
