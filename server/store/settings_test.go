package store

import (
	"context"
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
