package formats_test

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/haplog/haplog/formats"
)

func ExampleCompile() {
	f, err := formats.Compile(formats.HTTPLogFormat)
	if err != nil {
		fmt.Println(err)
		return
	}
	rec := formats.Record{
		ClientAddr: netip.MustParseAddrPort("10.0.1.2:33317"),
		AcceptTime: time.Date(2009, 2, 6, 12, 14, 14, 655e6, time.UTC),
		Frontend:   "http-in", Backend: "static", Server: "srv1",
		Timers: formats.Timers{TR: 10, Tc: 30, Tr: 69, Ta: 109},
		Status: 200, BytesOut: 2750,
		ActConn: 1, FeConn: 1, BeConn: 1, SrvConn: 1,
		ReqHeaders: []string{"1wt.eu"}, RespHeaders: []string{""},
		Method: "GET", URI: "/index.html", Version: "HTTP/1.1",
	}
	line := f.Append(nil, &rec)

	fr := &formats.Framer{Facility: formats.Local0, Tag: "haproxy", PID: 1234}
	fmt.Printf("%s", fr.Append(nil, formats.Info, rec.AcceptTime, line))
	// Output:
	// <134>Feb  6 12:14:14 haproxy[1234]: 10.0.1.2:33317 [06/Feb/2009:12:14:14.655] http-in static/srv1 10/0/30/69/109 200 2750 - - ---- 1/1/1/1/0 0/0 {1wt.eu} {} "GET /index.html HTTP/1.1"
}

func ExampleFormat_Parse() {
	f, _ := formats.Compile(formats.TCPLogFormat)
	var rec formats.Record
	err := f.Parse([]byte(`127.0.0.1:41762 [21/Nov/2026:13:33:01.181] fe_tcp be_tcp/app1 1/0/2 360 -- 1/1/0/0/0 0/0`), &rec, formats.ParseOptions{})
	fmt.Println(err, rec.ClientAddr, rec.Backend, rec.Server, rec.Tt, rec.BytesOut)
	// Output:
	// <nil> 127.0.0.1:41762 be_tcp app1 2 360
}
