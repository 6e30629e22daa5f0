package agents_test

import (
	"context"
	"sync"
	"testing"

	"parley/server/agents"
	"parley/server/routing"
	"parley/server/store"
	"parley/server/store/pgtest"
)

// cluster is two nodes' provisioners over one PostgreSQL database, and
// the one routing service a cluster has (routing runs on one node, the
// others' calls forwarded to it).
func cluster(t *testing.T) (nodes [2]*agents.Provisioner, rt *routing.Service) {
	t.Helper()
	ctx := context.Background()
	url := pgtest.Database(t)
	var dbs [2]*store.DB
	for i := range dbs {
		db, err := store.OpenPostgres(ctx, url, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	rt, err := routing.NewService(ctx, store.NewRouting(dbs[0]), "AC00000000000000000000000000000000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rt.Close)
	for i := range nodes {
		nodes[i] = agents.NewProvisioner(dbs[i], rt)
	}
	return nodes, rt
}

// desks are the workspaces routing has: agents made on different nodes
// in different desks never see each other's chats.
func desks(rt *routing.Service) int {
	return len(rt.Workspaces(context.Background(), "", routing.PageRequest{Size: 50}).Items)
}

// A node that looked for the desk before another node made it uses that
// desk, rather than making a second one and pointing the settings at it:
// agents made through either node work the same chats.
func TestANodeThatLookedEarlyUsesTheDeskAnotherNodeMade(t *testing.T) {
	ctx := context.Background()
	nodes, rt := cluster(t)
	if _, ok, err := nodes[0].Find(ctx); ok || err != nil {
		t.Fatalf("a desk before any agent: %v %v", ok, err)
	}
	made, err := nodes[1].Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := nodes[0].Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got != made {
		t.Errorf("the first node's desk is %+v, the second's %+v: agents made through each land in different desks", got, made)
	}
	if n := desks(rt); n != 1 {
		t.Errorf("%d desks, want 1", n)
	}
	if k, ok, err := nodes[1].Find(ctx); !ok || err != nil || k != made {
		t.Errorf("the second node now finds %+v %v %v, want its desk %+v", k, ok, err, made)
	}
}

// Two nodes making the desk at once (two first chats, one on each) make
// one desk.
func TestTwoNodesMakingTheDeskAtOnceMakeOne(t *testing.T) {
	ctx := context.Background()
	nodes, rt := cluster(t)
	for _, n := range nodes {
		n.Find(ctx) // both have looked: neither holds a desk
	}
	var got [2]agents.Desk
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			var err error
			if got[i], err = n.Ensure(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got[0] != got[1] {
		t.Errorf("the nodes use desks %+v and %+v", got[0], got[1])
	}
	if n := desks(rt); n != 1 {
		t.Errorf("%d desks, want 1 (the loser's taken back out)", n)
	}
}

// A desk whose workflow was deleted through the API is replaced once,
// and every node then uses the replacement.
func TestADeletedDeskIsReplacedOnceForEveryNode(t *testing.T) {
	ctx := context.Background()
	nodes, rt := cluster(t)
	first, err := nodes[0].Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nodes[1].Ensure(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rt.DeleteWorkflow(ctx, first.WorkspaceSID, first.WorkflowSID); err != nil {
		t.Fatal(err)
	}
	a, err := nodes[0].Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := nodes[1].Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a == first || a != b {
		t.Errorf("after the workflow's deletion the nodes use %+v and %+v (the first was %+v)", a, b, first)
	}
}
