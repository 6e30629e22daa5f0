package loadtest

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuStall reads how long, in total since boot, at least one task on this
// machine waited for a core (Linux's pressure stall information). ok is
// false where the kernel does not report it.
func cpuStall() (stalled time.Duration, ok bool) {
	f, err := os.Open("/proc/pressure/cpu")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	return parseStall(f)
}

// parseStall reads the "some" line's total (microseconds) from a
// /proc/pressure file:
//
//	some avg10=0.00 avg60=0.00 avg300=0.00 total=12345
func parseStall(r io.Reader) (time.Duration, bool) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || fields[0] != "some" {
			continue
		}
		for _, f := range fields[1:] {
			if v, ok := strings.CutPrefix(f, "total="); ok {
				us, err := strconv.ParseInt(v, 10, 64)
				return time.Duration(us) * time.Microsecond, err == nil
			}
		}
	}
	return 0, false
}
