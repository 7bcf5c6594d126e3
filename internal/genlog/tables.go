package genlog

import (
	"strconv"
	"strings"
)

// The simulated site: three HTTP frontends, ten HTTP backends, three TCP
// services. Weights are relative shares of the lines of their kind.

type frontendSpec struct {
	name  string // %f
	ssl   bool   // %ft gets a '~'
	hosts []weighted[string]
	uas   []weighted[string]
}

type weighted[T any] struct {
	v T
	w float64
}

type httpBackend struct {
	name     string
	fe       int     // index into httpFrontends
	weight   float64 // share of HTTP lines
	srvName  string  // server name prefix
	srvShare float64 // share of Config.Servers
	cookie   bool    // persistence cookie: cookie flags in %tsc
	trMean   int     // mean server response time (ms)
	okLo     int     // byte range of 2xx responses
	okHi     int
	statuses []weighted[int]
	methods  []weighted[string]
	urls     func(r *rng, i int) string // i-th URL candidate (i=0 is the most popular)
	api      bool                       // cache-buster candidates
}

var browserUAs = []weighted[string]{
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 30},
	{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15", 10},
	{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1", 14},
	{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", 12},
	{"Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", 5},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", 6},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0", 7},
	{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", 3},
	{"Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 1.5},
	{"Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", 1},
	{"curl/8.5.0", 2},
	{"Wget/1.21.4", 0.5},
	{"python-requests/2.32.3", 1},
	{"Go-http-client/2.0", 0.5},
	{"", 0.5},
}

var apiUAs = []weighted[string]{
	{"okhttp/4.12.0", 25},
	{"MyApp/5.12.1 (iPhone; iOS 17.6; Scale/3.00)", 20},
	{"MyApp/5.12.0 (Android 14; Pixel 8)", 15},
	{"python-requests/2.32.3", 10},
	{"Go-http-client/2.0", 8},
	{"axios/1.7.9", 8},
	{"node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", 4},
	{"curl/8.5.0", 4},
	{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", 5},
	{"Apache-HttpClient/4.5.14 (Java/17.0.9)", 1},
}

var httpFrontends = []frontendSpec{
	{name: "www", ssl: true, uas: browserUAs, hosts: []weighted[string]{
		{"www.example.com", 85}, {"example.com", 9}, {"m.example.com", 5}, {"", 1}}},
	{name: "api", ssl: true, uas: apiUAs, hosts: []weighted[string]{
		{"api.example.com", 98}, {"api.example.com:443", 1.5}, {"", 0.5}}},
	{name: "http-in", uas: browserUAs, hosts: []weighted[string]{
		{"www.example.com", 70}, {"example.com", 28}, {"203.0.113.10", 2}}},
}

const (
	feWWW = iota
	feAPI
	feHTTPIn
)

var (
	getMostly = []weighted[string]{{"GET", 970}, {"HEAD", 15}, {"POST", 10}, {"OPTIONS", 5}}
	apiMethod = []weighted[string]{{"GET", 70}, {"POST", 18}, {"PUT", 5}, {"DELETE", 3}, {"PATCH", 2}, {"OPTIONS", 2}}
	formPosts = []weighted[string]{{"GET", 65}, {"POST", 35}}
)

var words = strings.Fields(`about account action address admin alpha apple archive article audio
author autumn banner basket beach berry bike blog blue board book boot bottle box brand bread
bridge brush bucket cable cake camera camp candle car card care cart case castle cat chair
chart cheese chess city class clock cloud coat coffee color contact cookie copper corner cotton
country cover craft cream cup cycle daily dance data deal deck delta desk diary dinner doc dog
door dream dress drink drive earth echo editor energy event fabric family farm fashion field
film finance fire fish flag flower food forest frame fresh friend fruit game garden gift glass
global gold green guide guitar hair hammer harbor hat health helmet help hero hill history
holiday home honey horse hotel house ice idea image index island jacket jazz jewel journal
juice kayak key kids kitchen kite lab lake lamp laptop leaf legal lemon letter library light
lime linen lion list local lunch magic mail map market media menu metal milk mirror model money
moon motor mountain music nature news night note ocean office olive orange order outdoor page
paint paper park party pasta pearl pen pepper phone photo piano picture pilot pink pizza plant
plate player pocket policy pool press price print privacy product profile project purple
puzzle quest quiz radio rain recipe red report review river road robot rock rose rubber ruby
sale salt sand school science screen sea season secret service shade shirt shoe shop silver
sky sleep smile snow soap soccer sofa space sport spring star station steel stone store storm
studio sugar summer sun support table tea team tech tennis terms ticket tiger timber tool tour
tower toy track trade train travel tree truck tulip union user valley velvet video villa
violet voice wall watch water wave weather wheel window wine winter wolf wood wool world yarn
yellow yoga zebra zone`)

func word(r *rng) string { return words[r.intn(len(words))] }

func hexN(r *rng, n int) string {
	const hexdig = "0123456789abcdef"
	var b [32]byte
	for i := 0; i < n; i++ {
		b[i] = hexdig[r.intn(16)]
	}
	return string(b[:n])
}

func num(r *rng, lo, hi int) string { return strconv.Itoa(r.rangeIn(lo, hi)) }

var apiResources = []string{"users", "orders", "products", "carts", "sessions", "payments",
	"invoices", "reviews", "addresses", "notifications", "messages", "inventory", "prices", "events"}

func apiResource(r *rng) string { return apiResources[r.intn(len(apiResources))] }

var httpBackends = []httpBackend{
	{
		name: "www", fe: feWWW, weight: 28, srvName: "web", srvShare: 12, cookie: true,
		trMean: 25, okLo: 2000, okHi: 90000, methods: getMostly,
		statuses: []weighted[int]{{200, 850}, {304, 50}, {404, 55}, {302, 20}, {301, 9},
			{400, 3}, {401, 2}, {403, 4}, {500, 5}, {503, 1}},
		urls: fixedFirst([]string{"/", "/favicon.ico", "/robots.txt"}, func(r *rng) string {
			switch r.intn(6) {
			case 0:
				return "/" + word(r) + "/" + word(r) + "/" + word(r) + ".html"
			case 1:
				return "/" + word(r) + "/" + word(r)
			case 2:
				return "/products/" + num(r, 1000, 999999)
			case 3:
				return "/blog/20" + num(r, 18, 26) + "/" + word(r) + "-" + word(r) + "-" + word(r)
			case 4:
				return "/help/" + word(r) + "/" + word(r) + ".html"
			default:
				return "/" + word(r) + "?ref=" + word(r)
			}
		}),
	},
	{
		name: "api", fe: feAPI, weight: 20, srvName: "api", srvShare: 10, api: true,
		trMean: 40, okLo: 80, okHi: 9000, methods: apiMethod,
		statuses: []weighted[int]{{200, 800}, {201, 40}, {204, 45}, {304, 10}, {400, 15},
			{401, 25}, {403, 8}, {404, 25}, {409, 7}, {422, 8}, {429, 10}, {500, 6}, {502, 1}, {503, 2}},
		urls: func(r *rng, i int) string {
			switch r.intn(5) {
			case 0:
				return "/api/v1/" + apiResource(r) + "/" + num(r, 1, 9999999)
			case 1:
				return "/api/v2/" + apiResource(r) + "?page=" + num(r, 1, 40) + "&limit=50"
			case 2:
				return "/api/v1/" + apiResource(r) + "/" + num(r, 1, 999999) + "/" + apiResource(r)
			case 3:
				return "/api/v2/" + apiResource(r) + "/search?q=" + word(r)
			default:
				return "/api/v1/" + apiResource(r)
			}
		},
	},
	{
		name: "img", fe: feWWW, weight: 17, srvName: "img", srvShare: 8,
		trMean: 4, okLo: 1500, okHi: 400000, methods: getMostly,
		statuses: []weighted[int]{{200, 820}, {304, 130}, {404, 45}, {206, 5}},
		urls: func(r *rng, i int) string {
			exts := [...]string{".jpg", ".png", ".webp", ".avif", ".gif"}
			sizes := [...]string{"_thumb", "_s", "_m", "_l", "_xl", ""}
			return "/img/" + hexN(r, 2) + "/" + word(r) + "-" + word(r) + sizes[r.intn(len(sizes))] + exts[r.intn(len(exts))]
		},
	},
	{
		name: "static", fe: feWWW, weight: 17, srvName: "static", srvShare: 8,
		trMean: 2, okLo: 400, okHi: 250000, methods: getMostly,
		statuses: []weighted[int]{{200, 800}, {304, 170}, {404, 28}, {206, 2}},
		urls: func(r *rng, i int) string {
			switch r.intn(4) {
			case 0, 1:
				return "/static/js/" + word(r) + "." + hexN(r, 8) + ".js"
			case 2:
				return "/static/css/" + word(r) + "." + hexN(r, 8) + ".css"
			default:
				return "/static/fonts/" + word(r) + "-" + word(r) + ".woff2"
			}
		},
	},
	{
		name: "search", fe: feWWW, weight: 4, srvName: "search", srvShare: 4,
		trMean: 120, okLo: 4000, okHi: 60000, methods: getMostly,
		statuses: []weighted[int]{{200, 950}, {400, 10}, {500, 10}, {504, 5}, {429, 5}},
		urls: func(r *rng, i int) string {
			if r.intn(3) == 0 {
				return "/search?q=" + word(r) + "+" + word(r) + "&page=" + num(r, 2, 9)
			}
			return "/search?q=" + word(r) + "+" + word(r)
		},
	},
	{
		name: "media", fe: feWWW, weight: 4, srvName: "media", srvShare: 4,
		trMean: 15, okLo: 50000, okHi: 2000000, methods: getMostly,
		statuses: []weighted[int]{{200, 500}, {206, 450}, {304, 30}, {404, 20}},
		urls: func(r *rng, i int) string {
			id := num(r, 1000, 99999)
			if r.intn(8) == 0 {
				return "/media/v/" + id + "/index.m3u8"
			}
			return "/media/v/" + id + "/seg-" + num(r, 1, 300) + ".ts"
		},
	},
	{
		name: "admin", fe: feWWW, weight: 1.4, srvName: "admin", srvShare: 2, cookie: true,
		trMean: 60, okLo: 2000, okHi: 40000, methods: formPosts,
		statuses: []weighted[int]{{200, 800}, {302, 100}, {401, 50}, {403, 50}},
		urls: func(r *rng, i int) string {
			if r.intn(2) == 0 {
				return "/admin/" + word(r)
			}
			return "/admin/" + word(r) + "/" + num(r, 1, 99999) + "/edit"
		},
	},
	{
		name: "cart", fe: feWWW, weight: 1.1, srvName: "cart", srvShare: 4, cookie: true,
		trMean: 50, okLo: 1000, okHi: 25000, methods: formPosts,
		statuses: []weighted[int]{{200, 850}, {302, 80}, {201, 30}, {409, 20}, {500, 10}},
		urls: fixedFirst([]string{"/cart", "/checkout"}, func(r *rng) string {
			switch r.intn(3) {
			case 0:
				return "/cart/add?sku=" + num(r, 10000, 999999) + "&qty=" + num(r, 1, 5)
			case 1:
				return "/cart;jsessionid=" + strings.ToUpper(hexN(r, 16))
			default:
				return "/checkout/" + word(r)
			}
		}),
	},
	{
		name: "ws", fe: feAPI, weight: 0.8, srvName: "ws", srvShare: 4,
		trMean: 3, okLo: 200, okHi: 50000, methods: []weighted[string]{{"GET", 1}},
		statuses: []weighted[int]{{101, 950}, {400, 20}, {401, 30}},
		urls: func(r *rng, i int) string {
			return "/ws/" + word(r) + "?v=" + num(r, 1, 3)
		},
	},
	{
		name: "auth", fe: feWWW, weight: 1.2, srvName: "auth", srvShare: 4,
		trMean: 80, okLo: 300, okHi: 4000, methods: formPosts,
		statuses: []weighted[int]{{200, 700}, {302, 200}, {401, 80}, {400, 20}},
		urls: func(r *rng, i int) string {
			switch i {
			case 0:
				return "/auth/login"
			case 1:
				return "/auth/token"
			case 2:
				return "/auth/logout"
			}
			return "/auth/callback?code=" + hexN(r, 16) + "&state=" + hexN(r, 8)
		},
	},
}

// redirectWeight is the share of HTTP lines answered by the http-in
// frontend with a local 301 to https (LR, <NOSRV>), in the units of
// httpBackend.weight.
const redirectWeight = 2.5

type tcpService struct {
	fe, be   string
	weight   float64
	servers  []string
	ttMean   int // mean session duration (ms)
	bytesAvg int
}

var tcpServices = []tcpService{
	{fe: "mysql-in", be: "mysql", weight: 60, servers: []string{"db1", "db2", "db3"}, ttMean: 20000, bytesAvg: 20000},
	{fe: "redis-in", be: "redis", weight: 30, servers: []string{"cache1", "cache2"}, ttMean: 5000, bytesAvg: 2000},
	{fe: "smtp-in", be: "smtp", weight: 10, servers: []string{"mx1", "mx2"}, ttMean: 2000, bytesAvg: 30000},
}

// appendCapture appends s as HAProxy encodes a captured header value:
// truncated to max bytes first, then bytes < 0x20, >= 0x7f and " # { | }
// written as '#' + two upper-case hex digits.
func appendCapture(dst []byte, s string, max int) []byte {
	const hexup = "0123456789ABCDEF"
	if len(s) > max {
		s = s[:max]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '#' || c == '{' || c == '|' || c == '}' {
			dst = append(dst, '#', hexup[c>>4], hexup[c&15])
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

// fixedFirst is a URL generator whose first URLs are fixed (the i-th
// distinct URL of a backend is fixed[i]), the others gen's.
func fixedFirst(fixed []string, gen func(r *rng) string) func(r *rng, i int) string {
	return func(r *rng, i int) string {
		if i < len(fixed) {
			return fixed[i]
		}
		return gen(r)
	}
}
