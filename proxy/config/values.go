package config

import (
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ParseTime parses an HAProxy time value: an unsigned integer followed by
// an optional unit us, ms (default), s, m, h or d.
func ParseTime(s string) (time.Duration, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		if s == "" {
			return 0, errors.New("missing time value")
		}
		return 0, fmt.Errorf("unexpected character '%c'", s[0])
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("timer overflow in %q", s)
	}
	var unit time.Duration
	switch s[i:] {
	case "us":
		unit = time.Microsecond
	case "", "ms":
		unit = time.Millisecond
	case "s":
		unit = time.Second
	case "m":
		unit = time.Minute
	case "h":
		unit = time.Hour
	case "d":
		unit = 24 * time.Hour
	default:
		return 0, fmt.Errorf("unexpected character '%c'", s[i])
	}
	// HAProxy keeps timers in milliseconds on 31 bits.
	if n > math.MaxInt32*int64(time.Millisecond)/int64(unit) {
		return 0, fmt.Errorf("timer overflow in %q (maximum value is 2147483647 ms or ~24.8 days)", s)
	}
	return time.Duration(n) * unit, nil
}

// parseUint parses a non-negative decimal integer that fits in an int32.
func parseUint(s string) (int, error) {
	if s == "" {
		return 0, errors.New("missing value")
	}
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil {
		return 0, fmt.Errorf("invalid number '%s'", s)
	}
	return int(n), nil
}

// parseAddr parses a bind/server/log address: [ipv4@|ipv6@|unix@|udp@|
// tcp@]host:port, *:port, :port, [v6]:port, ipv6:port (port after the
// last colon), /path, fd@N. rangeOK allows "port-port"; portOptional lets
// the port be absent (server without port).
func parseAddr(s string, rangeOK, portOptional bool) (Addr, error) {
	var a Addr
	prefix := ""
	if i := strings.Index(s, "@"); i >= 0 {
		prefix, s = s[:i], s[i+1:]
	}
	switch prefix {
	case "", "tcp":
		a.Network = "tcp"
	case "ipv4", "tcp4":
		a.Network = "tcp4"
	case "ipv6", "tcp6":
		a.Network = "tcp6"
	case "udp", "udp4", "udp6":
		a.Network = prefix
	case "unix", "abns":
		if prefix == "abns" {
			s = "@" + s
		}
		a.Network, a.Path = "unix", s
		if s == "" {
			return a, errors.New("missing path")
		}
		return a, nil
	case "fd":
		n, err := parseUint(s)
		if err != nil {
			return a, fmt.Errorf("invalid file descriptor '%s'", s)
		}
		a.Network, a.FD = "fd", n
		return a, nil
	default:
		return a, fmt.Errorf("unsupported address family '%s@'", prefix)
	}
	if prefix == "" && strings.HasPrefix(s, "/") {
		a.Network, a.Path = "unix", s
		return a, nil
	}
	host, port := s, ""
	if strings.HasPrefix(s, "[") {
		j := strings.IndexByte(s, ']')
		if j < 0 {
			return a, fmt.Errorf("invalid address '%s'", s)
		}
		host, port = s[1:j], s[j+1:]
		if port != "" {
			if port[0] != ':' {
				return a, fmt.Errorf("invalid address '%s'", s)
			}
			port = port[1:]
		} else if !portOptional {
			return a, fmt.Errorf("missing port number: '%s'", s)
		}
	} else if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, port = s[:i], s[i+1:]
	} else if !portOptional {
		return a, fmt.Errorf("missing port number: '%s'", s)
	}
	if host == "*" || host == "" && prefix != "ipv6" && prefix != "tcp6" {
		host = ""
	}
	if host != "" {
		if ip, err := netip.ParseAddr(host); err == nil {
			if ip.Is4() && a.Network == "tcp6" || ip.Is6() && a.Network == "tcp4" {
				return a, fmt.Errorf("address '%s' does not match family '%s@'", host, prefix)
			}
		} else if !validHostname(host) {
			return a, fmt.Errorf("invalid address: '%s'", host)
		}
	}
	a.Host = host
	if port == "" {
		if !portOptional {
			return a, fmt.Errorf("missing port number: '%s'", s)
		}
		return a, nil
	}
	lo, hi := port, port
	if j := strings.IndexByte(port, '-'); j >= 0 && rangeOK {
		lo, hi = port[:j], port[j+1:]
	}
	var err error
	if a.Port, err = parsePort(lo); err != nil {
		return a, err
	}
	if a.PortEnd, err = parsePort(hi); err != nil {
		return a, err
	}
	if a.PortEnd < a.Port {
		return a, fmt.Errorf("invalid port range '%s'", port)
	}
	if a.PortEnd == a.Port {
		a.PortEnd = 0
	}
	return a, nil
}

func parsePort(s string) (int, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("invalid port '%s'", s)
	}
	return int(n), nil
}

func validHostname(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(isNameChar(c) || c == '-' || c == '.') {
			return false
		}
	}
	return h != ""
}

// HostPort returns "host:port" for TCP/UDP addresses (host empty for a
// wildcard, IPv6 bracketed), the path for UNIX sockets, "fd@N" for fds.
func (a Addr) HostPort() string {
	switch a.Network {
	case "unix", "unixgram":
		return a.Path
	case "fd":
		return "fd@" + strconv.Itoa(a.FD)
	}
	if strings.IndexByte(a.Host, ':') >= 0 {
		return "[" + a.Host + "]:" + strconv.Itoa(a.Port)
	}
	return a.Host + ":" + strconv.Itoa(a.Port)
}

// String returns the address as HostPort, with a port range when set.
func (a Addr) String() string {
	s := a.HostPort()
	if a.PortEnd > a.Port {
		s += "-" + strconv.Itoa(a.PortEnd)
	}
	return s
}

// parseNet parses an IPv4/IPv6 address or CIDR network (also the dotted
// netmask form a.b.c.d/m.m.m.m).
func parseNet(s string) (netip.Prefix, error) {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		ip, err := netip.ParseAddr(s[:i])
		if err != nil {
			return netip.Prefix{}, err
		}
		mask := s[i+1:]
		if m, err := netip.ParseAddr(mask); err == nil && m.Is4() && ip.Is4() {
			b := m.As4()
			bits := 0
			v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
			for v&0x80000000 != 0 {
				bits++
				v <<= 1
			}
			if v != 0 {
				return netip.Prefix{}, fmt.Errorf("invalid netmask '%s'", mask)
			}
			return ip.Prefix(bits)
		}
		bits, err := strconv.Atoi(mask)
		if err != nil || bits < 0 || bits > ip.BitLen() {
			return netip.Prefix{}, fmt.Errorf("invalid mask '%s'", mask)
		}
		return ip.Unmap().Prefix(bits - (ip.BitLen() - ip.Unmap().BitLen()))
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	ip = ip.Unmap()
	return netip.PrefixFrom(ip, ip.BitLen()), nil
}
