package main

import "sync"

// runPool is the post's finite pool: c goroutines range over one channel, a WaitGroup
// waits for them, and the producer closes the channel after the last task.
func runPool(c int, n uint64, task func(i uint64)) {
	jobs := make(chan uint64)
	var wg sync.WaitGroup
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				task(i)
			}
		}()
	}
	for i := uint64(0); i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
}

// runPerTask starts one goroutine per task, no bound.
func runPerTask(n uint64, task func(i uint64)) {
	var wg sync.WaitGroup
	for i := uint64(0); i < n; i++ {
		wg.Add(1)
		go func(i uint64) {
			defer wg.Done()
			task(i)
		}(i)
	}
	wg.Wait()
}

// runFlat runs n tasks on the pool of c goroutines, or one goroutine each when c is nil.
func runFlat(c *int, n uint64, task func(i uint64)) {
	if c == nil {
		runPerTask(n, task)
	} else {
		runPool(*c, n, task)
	}
}

// crawlPool explores from root with c goroutines ranging over one channel; visit
// returns the newly found items. Discovered items go back through a coordinator that
// keeps an unbounded queue (a worker never blocks on a full channel, which would
// deadlock once every worker waits to hand work back), and closes the channel when no
// item is pending, as the post's producer does.
func crawlPool(c int, root uint32, visit func(uint32) []uint32) {
	jobs := make(chan uint32)
	found := make(chan []uint32)
	var wg sync.WaitGroup
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range jobs {
				found <- visit(p)
			}
		}()
	}
	queue := []uint32{root}
	pending := 1
	for pending > 0 {
		var out chan uint32
		var next uint32
		if len(queue) > 0 {
			out, next = jobs, queue[0]
		}
		select {
		case out <- next:
			queue = queue[1:]
		case items := <-found:
			pending += len(items) - 1
			queue = append(queue, items...)
		}
	}
	close(jobs)
	wg.Wait()
}

// crawlPerTask explores from root with one goroutine per item.
func crawlPerTask(root uint32, visit func(uint32) []uint32) {
	var wg sync.WaitGroup
	var spawn func(uint32)
	spawn = func(p uint32) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, next := range visit(p) {
				spawn(next)
			}
		}()
	}
	spawn(root)
	wg.Wait()
}
