//go:build !unix

package rotate

import "os"

type fileID struct{}

func idOf(os.FileInfo) (fileID, bool) { return fileID{}, false }
