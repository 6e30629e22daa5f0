package store

import (
	"context"
	"fmt"
	"testing"
)

// Of two writers swapping the same settings from what they both read,
// one wins and the settings hold its values, all of them.
func TestSwapSettingsLetsOneOfTwoWin(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(tb testing.TB) (*DB, string)) {
		ctx := context.Background()
		db, _ := open(t)
		ok, err := db.SwapSettings(ctx, "a", "", map[string]string{"a": "1", "b": "one"})
		if !ok || err != nil {
			t.Fatalf("the first swap from unset: %v %v", ok, err)
		}
		if ok, err := db.SwapSettings(ctx, "a", "", map[string]string{"a": "2", "b": "two"}); ok || err != nil {
			t.Errorf("a second swap from unset: %v %v, want refused", ok, err)
		}
		if a, _ := db.Setting(ctx, "a"); a != "1" {
			t.Errorf("a = %q after the refused swap", a)
		}
		if ok, err := db.SwapSettings(ctx, "a", "1", map[string]string{"a": "3", "b": "three"}); !ok || err != nil {
			t.Errorf("a swap from the value there: %v %v", ok, err)
		}
		a, _ := db.Setting(ctx, "a")
		b, _ := db.Setting(ctx, "b")
		if a != "3" || b != "three" {
			t.Errorf("after the swap a = %q, b = %q", a, b)
		}
	})
}

// Settings written together by a swap are read together: a reader never
// sees one swap's value beside another's, however the swaps and reads
// interleave (read one at a time, they mixed, and two nodes made two
// desks).
func TestSettingsSwappedTogetherAreReadTogether(t *testing.T) {
	forEachEngine(t, func(t *testing.T, open func(tb testing.TB) (*DB, string)) {
		ctx := context.Background()
		db, _ := open(t)
		done := make(chan struct{})
		go func() {
			defer close(done)
			old := ""
			for i := range 200 {
				v := fmt.Sprint(i)
				if ok, err := db.SwapSettings(ctx, "ws", old, map[string]string{"ws": v, "wf": v, "q": v}); !ok || err != nil {
					t.Errorf("swap %d: %v %v", i, ok, err)
					return
				}
				old = v
			}
		}()
		for reads := 0; ; reads++ {
			select {
			case <-done:
				if reads == 0 {
					t.Error("no read ran beside the swaps")
				}
				return
			default:
			}
			got, err := db.Settings(ctx, "ws", "wf", "q")
			if err == nil && (got["ws"] != got["wf"] || got["wf"] != got["q"]) {
				err = fmt.Errorf("read %v: values of different swaps side by side", got)
			}
			if err != nil {
				t.Error(err)
				<-done // the swaps end before the database closes
				return
			}
		}
	})
}
