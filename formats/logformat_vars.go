package formats

import "strings"

// varID identifies a log-format variable (or a supported sample fetch).
type varID uint8

const (
	varGlobal varID = iota // %o: not a variable, sets default flags

	varClientIP   // %ci
	varClientPort // %cp
	varFrontIP    // %fi
	varFrontPort  // %fp
	varBackIP     // %bi
	varBackPort   // %bp
	varServerIP   // %si
	varServerPort // %sp

	varDate        // %t
	varDateGMT     // %T
	varDateLocal   // %Tl
	varDateTs      // %Ts
	varDateMs      // %ms
	varReqDate     // %tr
	varReqDateGMT  // %trg
	varReqDateLocl // %trl

	varFrontend    // %f
	varFrontendTLS // %ft
	varBackend     // %b
	varServer      // %s

	varTh // %Th
	varTi // %Ti
	varTR // %TR
	varTq // %Tq
	varTw // %Tw
	varTc // %Tc
	varTr // %Tr
	varTd // %Td
	varTa // %Ta
	varTt // %Tt
	varTu // %Tu

	varStatus   // %ST
	varBytesOut // %B
	varBytesIn  // %U
	varReqCook  // %CC
	varRespCook // %CS
	varTermSt   // %ts
	varTermStCk // %tsc

	varActConn // %ac
	varFeConn  // %fc
	varBeConn  // %bc
	varSrvConn // %sc
	varRetries // %rc
	varSrvQ    // %sq
	varBackQ   // %bq

	varHdrReq      // %hr
	varHdrResp     // %hs
	varHdrReqList  // %hrl
	varHdrRespList // %hsl

	varReq          // %r
	varHTTPMethod   // %HM
	varHTTPURI      // %HU
	varHTTPPath     // %HP
	varHTTPPathOnly // %HPO
	varHTTPQuery    // %HQ
	varHTTPVersion  // %HV

	varUniqueID // %ID
	varHostname // %H
	varPID      // %pid
	varCounter  // %rt
	varLogCount // %lc
	varSSLCiph  // %sslc
	varSSLVer   // %sslv

	// Sample fetches accepted in %[...].
	smpSrc        // src
	smpSrcPort    // src_port
	smpDst        // dst
	smpDstPort    // dst_port
	smpSSLFc      // ssl_fc
	smpSNI        // ssl_fc_sni
	smpFcErr      // fc_err
	smpSSLFcErr   // ssl_fc_err
	smpSSLFcErrX  // ssl_fc_err,hex
	smpSSLCErr    // ssl_c_err
	smpSSLCCAErr  // ssl_c_ca_err
	smpSSLResumed // ssl_fc_is_resumed
	smpCapReq     // capture.req.hdr(N); N in node.arg
	smpCapRes     // capture.res.hdr(N)

	numVars
)

// varInfo describes one variable: its name and whether HAProxy reserves it
// for HTTP mode.
type varInfo struct {
	name string
	http bool
}

var varTable = [numVars]varInfo{
	varGlobal: {"o", false},

	varClientIP: {"ci", false}, varClientPort: {"cp", false},
	varFrontIP: {"fi", false}, varFrontPort: {"fp", false},
	varBackIP: {"bi", false}, varBackPort: {"bp", false},
	varServerIP: {"si", false}, varServerPort: {"sp", false},

	varDate: {"t", false}, varDateGMT: {"T", false}, varDateLocal: {"Tl", false},
	varDateTs: {"Ts", false}, varDateMs: {"ms", false},
	varReqDate: {"tr", true}, varReqDateGMT: {"trg", true}, varReqDateLocl: {"trl", true},

	varFrontend: {"f", false}, varFrontendTLS: {"ft", false},
	varBackend: {"b", false}, varServer: {"s", false},

	varTh: {"Th", false}, varTi: {"Ti", true}, varTR: {"TR", true}, varTq: {"Tq", true},
	varTw: {"Tw", false}, varTc: {"Tc", false}, varTr: {"Tr", true}, varTd: {"Td", false},
	varTa: {"Ta", true}, varTt: {"Tt", false}, varTu: {"Tu", false},

	varStatus: {"ST", false}, varBytesOut: {"B", false}, varBytesIn: {"U", false},
	varReqCook: {"CC", true}, varRespCook: {"CS", true},
	varTermSt: {"ts", false}, varTermStCk: {"tsc", false},

	varActConn: {"ac", false}, varFeConn: {"fc", false}, varBeConn: {"bc", false},
	varSrvConn: {"sc", false}, varRetries: {"rc", false},
	varSrvQ: {"sq", false}, varBackQ: {"bq", false},

	varHdrReq: {"hr", false}, varHdrResp: {"hs", false},
	varHdrReqList: {"hrl", false}, varHdrRespList: {"hsl", false},

	varReq: {"r", true}, varHTTPMethod: {"HM", true}, varHTTPURI: {"HU", true},
	varHTTPPath: {"HP", true}, varHTTPPathOnly: {"HPO", true}, varHTTPQuery: {"HQ", true},
	varHTTPVersion: {"HV", true},

	varUniqueID: {"ID", false}, varHostname: {"H", false}, varPID: {"pid", false},
	varCounter: {"rt", false}, varLogCount: {"lc", false},
	varSSLCiph: {"sslc", false}, varSSLVer: {"sslv", false},

	smpSrc: {"src", false}, smpSrcPort: {"src_port", false},
	smpDst: {"dst", false}, smpDstPort: {"dst_port", false},
	smpSSLFc: {"ssl_fc", false}, smpSNI: {"ssl_fc_sni", false},
	smpFcErr: {"fc_err", false}, smpSSLFcErr: {"ssl_fc_err", false},
	smpSSLFcErrX: {"ssl_fc_err,hex", false}, smpSSLCErr: {"ssl_c_err", false},
	smpSSLCCAErr: {"ssl_c_ca_err", false}, smpSSLResumed: {"ssl_fc_is_resumed", false},
	smpCapReq: {"capture.req.hdr", true}, smpCapRes: {"capture.res.hdr", true},
}

// lookupVar finds a %name variable.
func lookupVar(name string) (varID, bool) {
	for id := varGlobal; id < smpSrc; id++ {
		if varTable[id].name == name {
			return id, true
		}
	}
	return 0, false
}

// lookupSample finds a supported %[expr] sample expression. For
// capture.req.hdr(N) and capture.res.hdr(N), n is N.
func lookupSample(expr string) (id varID, n int, ok bool) {
	for _, pre := range [...]struct {
		prefix string
		id     varID
	}{{"capture.req.hdr(", smpCapReq}, {"capture.res.hdr(", smpCapRes}} {
		if rest, found := strings.CutPrefix(expr, pre.prefix); found {
			num, close := rest, strings.IndexByte(rest, ')')
			if close <= 0 || close != len(rest)-1 || close > 3 {
				return 0, 0, false
			}
			num = rest[:close]
			for i := 0; i < len(num); i++ {
				if !isDigit(num[i]) {
					return 0, 0, false
				}
				n = n*10 + int(num[i]-'0')
			}
			return pre.id, n, true
		}
	}
	for id := smpSrc; id < smpCapReq; id++ {
		if varTable[id].name == expr {
			return id, 0, true
		}
	}
	return 0, 0, false
}

// sampleNames lists the supported sample expressions for error messages.
func sampleNames() string {
	var b strings.Builder
	for id := smpSrc; id < numVars; id++ {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(varTable[id].name)
		if id >= smpCapReq {
			b.WriteString("(N)")
		}
	}
	return b.String()
}
