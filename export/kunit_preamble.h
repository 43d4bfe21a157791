// export/kunit_preamble.h
//
// The C at the top of every exported KUnit file (export/kunit.h): the kernel-side copy of
// the pp_rx driver (model/drivers/pp_rx.h) and of the stack's list of held skbs
// (model/net/skb.h), and the helpers the exported steps call. Written for Linux 6.12.
// An skb carries its page as a frag, as the model's Skb does (model/net/skb.h), so that
// clones, head expansion and frees take and drop the same references in both.
#pragma once

#include <string_view>

namespace inflight {

inline constexpr std::string_view kKunitPreamble = R"C(#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/filter.h>
#include <linux/workqueue.h>
#include <net/page_pool/helpers.h>
#include <net/page_pool/types.h>
#include <net/xdp.h>

#define IFL_QUEUES 2	/* PpRxDriver::kMaxQueues */
#define IFL_CACHE 4	/* PpRxDriver::kCacheSize: the driver's own page cache */
#define IFL_TX 4	/* PpRxDriver::kTxRing: XDP_TX frames not completed */
#define IFL_SKBS 16	/* kMaxSkbs: skbs the stack holds */
#define IFL_PAGES 32	/* kMaxPages: the model's page slots */
#define IFL_POOLS 4	/* kMaxPools: the model's pool slots */
#define IFL_PEER 8	/* XdpRedirectTarget::kRingSize: frames the veth-like peer holds */
#define IFL_FRAME_LEN 2048	/* XdpRedirectTarget::kFrameLen */
#define IFL_BIAS_MAX (LONG_MAX >> 1)	/* page_pool.c's BIAS_MAX */

/* What a poll does with the frame it received, as the model decided. */
enum ifl_rx {
	IFL_PASS, IFL_DROP, IFL_CACHE_KEEP, IFL_CACHE_RELEASE, IFL_XDP_TX, IFL_NOTHING,
	IFL_REDIRECT,		/* XDP_REDIRECT: the peer takes the frame */
	IFL_REDIRECT_BACK,	/* XDP_REDIRECT into a full peer: xdp_return_frame_rx_napi() */
	IFL_PASS_FRAG,		/* half a page from the frag API, up the stack in an skb */
};

struct ifl;

struct ifl_queue {
	struct ifl *t;
	struct napi_struct napi;	/* the queue's NAPI: its pool's p.napi */
	struct page_pool *pool;
	struct xdp_rxq_info rxq;
	struct page *cache[IFL_CACHE];
	int ncache;
	struct page *tx[IFL_TX];
	int ntx;
	long outside_at_destroy;	/* pages out when the driver destroyed its pool */
};

/* What runs inside a queue's NAPI poll. */
enum ifl_napi_op { IFL_OP_RX, IFL_OP_TX_CLEAN, IFL_OP_SKB_FREE };

struct ifl {
	struct kunit *test;
	struct net_device *dev;
	int queues;
	unsigned int ring;
	bool wrap;			/* counters start at 2^32 - 2 (pp_wrap=on) */
	int step;			/* the model's step being checked */
	const char *event;		/* its event, as the model's trace writes it */
	struct ifl_queue q[IFL_QUEUES];
	struct page_pool *pool[IFL_POOLS];	/* by the model's pool slot */
	struct sk_buff *skb[IFL_SKBS];		/* in the model's order */
	int nskb;
	struct page *page[IFL_PAGES];		/* by the model's page slot */
	struct page *last;			/* what the last poll allocated */
	struct xdp_frame *peer[IFL_PEER];	/* the redirect target's TX ring, in order */
	int npeer;
	enum ifl_napi_op napi_op;		/* the poll's work, and its argument */
	long napi_arg;
	bool napi_ran;
	const char *napi_error;			/* a failure inside the poll, reported after */
};

/* An expectation on a value, naming the step and what the model says. */
#define IFL_EXPECT(t, what, kernel, model)                                            \
	KUNIT_EXPECT_EQ_MSG((t)->test, (long)(kernel), (long)(model),                   \
			    "step %d (%s): %s: the kernel has %ld, the model says %ld",         \
			    (t)->step, (t)->event, what, (long)(kernel), (long)(model))

static int ifl_napi_poll(struct napi_struct *napi, int budget);

static void __maybe_unused ifl_free_netdev(void *dev)
{
	free_netdev(dev);	/* deletes the NAPIs too */
}

static struct ifl *ifl_init(struct kunit *test, int queues, unsigned int ring, bool wrap)
{
	struct ifl *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->test = test;
	t->queues = queues;
	t->ring = ring;
	t->wrap = wrap;
	t->dev = alloc_netdev_dummy(0);
	KUNIT_ASSERT_NOT_NULL(test, t->dev);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, ifl_free_netdev, t->dev), 0);
	for (i = 0; i < queues; i++) {
		t->q[i].t = t;
		netif_napi_add(t->dev, &t->q[i].napi, ifl_napi_poll);
	}
	return t;
}

/* Runs the work set in t inside queue i's NAPI poll: scheduled with BHs off, polled by
 * net_rx_action() when they come back on (this CPU's softirq), as a driver's interrupt
 * would have it. */
static void ifl_in_napi(struct ifl *t, int i, enum ifl_napi_op op, long arg)
{
	t->napi_op = op;
	t->napi_arg = arg;
	t->napi_ran = false;
	t->napi_error = NULL;
	local_bh_disable();
	napi_schedule(&t->q[i].napi);
	local_bh_enable();
	KUNIT_EXPECT_TRUE_MSG(t->test, t->napi_ran, "step %d (%s): the NAPI poll did not run",
			      t->step, t->event);
	if (t->napi_error)
		KUNIT_FAIL(t->test, "step %d (%s): %s", t->step, t->event, t->napi_error);
}

/* Pages in the pool's ptr_ring: the entries from consumer_head up to the producer. Not the
 * non-NULL slots: a consumer clears the slots it took only a batch at a time, so slots
 * behind consumer_head may still hold pages already taken out. consumer_head's own slot
 * is NULL when the ring is empty and a page when it is full (producer == consumer_head
 * either way). */
static long __maybe_unused ifl_ring_count(struct page_pool *pool)
{
	struct ptr_ring *r = &pool->ring;
	long n;

	if (!r->size || !r->queue[r->consumer_head])
		return 0;
	n = (long)r->producer - r->consumer_head;
	return n > 0 ? n : n + r->size;
}

/* Pages counted in flight that are neither in the alloc cache nor in the ring. */
static long __maybe_unused ifl_outside(struct page_pool *pool)
{
	s32 inflight = (s32)(pool->pages_state_hold_cnt -
			     (u32)atomic_read(&pool->pages_state_release_cnt));

	return (long)inflight - (long)pool->alloc.count - ifl_ring_count(pool);
}

/* The pages page_pool_destroy() will find in flight: those outside the alloc cache and
 * ring, less the current frag page when no frag of it is out any more (destroy first
 * drains its unused bias, page_pool_free_frag(), and the page comes back). */
static long ifl_outside_at_destroy(struct page_pool *pool)
{
	struct page *frag = netmem_to_page(pool->frag_page);
	long n = ifl_outside(pool);

	if (frag && atomic_long_read(&frag->pp_ref_count) == IFL_BIAS_MAX - pool->frag_users)
		n--;
	return n;
}

/* Models: PpRxDriver::setup_queue(): page_pool_create() on the queue's NAPI,
 * xdp_rxq_info_reg() and the MEM_TYPE_PAGE_POOL mem model. No PP_FLAG_DMA_MAP: UML has
 * no DMA. */
static void __maybe_unused ifl_setup_queue(struct ifl *t, int i)
{
	struct ifl_queue *q = &t->q[i];
	struct page_pool_params pp = {
		.order = 0,
		.pool_size = t->ring,
		.nid = NUMA_NO_NODE,
		.napi = &q->napi,
	};

	q->pool = page_pool_create(&pp);
	KUNIT_ASSERT_FALSE(t->test, IS_ERR(q->pool));
	if (t->wrap) {	/* a pool that has counted 2^32 - 2 pages already */
		q->pool->pages_state_hold_cnt = 0xfffffffe;
		atomic_set(&q->pool->pages_state_release_cnt, 0xfffffffe);
	}
	memset(&q->rxq, 0, sizeof(q->rxq));
	KUNIT_ASSERT_EQ(t->test, xdp_rxq_info_reg(&q->rxq, t->dev, i, 0), 0);
	KUNIT_ASSERT_EQ(t->test,
			xdp_rxq_info_reg_mem_model(&q->rxq, MEM_TYPE_PAGE_POOL, q->pool), 0);
}

/* Models: PpRxDriver::open() (ndo_open): each queue set up, its NAPI enabled. */
static void __maybe_unused ifl_open(struct ifl *t)
{
	int i;

	for (i = 0; i < t->queues; i++) {
		ifl_setup_queue(t, i);
		napi_enable(&t->q[i].napi);
	}
}

/* XDP_TX completions: page_pool_recycle_direct() of each frame. */
static void ifl_do_clean_tx(struct ifl_queue *q)
{
	int k;

	for (k = 0; k < q->ntx; k++)
		page_pool_recycle_direct(q->pool, q->tx[k]);
	q->ntx = 0;
}

/* Models: PpRxDriver::teardown_queue(), its NAPI disabled: TX ring, the driver cache back
 * through the page_pool API, xdp_rxq_info_unreg() (the mem model's page_pool_destroy),
 * then the driver's own page_pool_destroy(). */
static void __maybe_unused ifl_teardown_queue(struct ifl *t, int i)
{
	struct ifl_queue *q = &t->q[i];
	int k;

	local_bh_disable();
	ifl_do_clean_tx(q);
	local_bh_enable();
	for (k = 0; k < q->ncache; k++)
		page_pool_put_full_page(q->pool, q->cache[k], false);
	q->ncache = 0;
	xdp_rxq_info_unreg(&q->rxq);
	q->outside_at_destroy = ifl_outside_at_destroy(q->pool);
	page_pool_destroy(q->pool);
	q->pool = NULL;
}

/* Models: PpRxDriver::stop() (ndo_stop): every NAPI disabled, then each queue torn down. */
static void __maybe_unused ifl_stop(struct ifl *t)
{
	int i;

	for (i = 0; i < t->queues; i++)
		napi_disable(&t->q[i].napi);
	for (i = 0; i < t->queues; i++)
		ifl_teardown_queue(t, i);
}

/* Models: PpRxDriver::reconfigure(): the queue's pool is swapped on the same NAPI. */
static void __maybe_unused ifl_reconfigure(struct ifl *t, int i)
{
	napi_disable(&t->q[i].napi);
	ifl_teardown_queue(t, i);
	ifl_setup_queue(t, i);
	napi_enable(&t->q[i].napi);
}

/* Models: PpRxDriver::poll() inside the NAPI poll: one frame into a pool page, then the
 * verdict. */
static void ifl_do_rx(struct ifl *t, struct ifl_queue *q, enum ifl_rx rx)
{
	struct xdp_frame *frame;
	struct sk_buff *skb;
	struct xdp_buff xdp;
	struct page *page;
	unsigned int offset = XDP_PACKET_HEADROOM;

	if (rx == IFL_NOTHING)
		return;
	if (rx == IFL_CACHE_RELEASE) {
		page_pool_recycle_direct(q->pool, q->cache[--q->ncache]);
		return;
	}
	if (rx == IFL_PASS_FRAG)
		page = page_pool_dev_alloc_frag(q->pool, &offset, IFL_FRAME_LEN);
	else
		page = page_pool_dev_alloc_pages(q->pool);
	t->last = page;
	if (!page) {
		t->napi_error = "page_pool_dev_alloc_pages() failed";
		return;
	}
	switch (rx) {
	case IFL_PASS:	/* the page as the skb's frag, marked for recycling */
	case IFL_PASS_FRAG:
		skb = alloc_skb(0, GFP_ATOMIC);
		if (!skb) {
			t->napi_error = "alloc_skb() failed";
			return;
		}
		skb_add_rx_frag(skb, 0, page, offset, IFL_FRAME_LEN,
				rx == IFL_PASS ? PAGE_SIZE : IFL_FRAME_LEN);
		skb_mark_for_recycle(skb);
		t->skb[t->nskb++] = skb;
		break;
	case IFL_CACHE_KEEP:
		q->cache[q->ncache++] = page;
		break;
	case IFL_XDP_TX:
		q->tx[q->ntx++] = page;
		break;
	case IFL_REDIRECT:	/* xdp_convert_buff_to_frame() + ndo_xdp_xmit */
	case IFL_REDIRECT_BACK:
		xdp_init_buff(&xdp, PAGE_SIZE, &q->rxq);
		xdp_prepare_buff(&xdp, page_address(page), XDP_PACKET_HEADROOM, IFL_FRAME_LEN,
				 false);
		frame = xdp_convert_buff_to_frame(&xdp);
		if (!frame) {
			t->napi_error = "xdp_convert_buff_to_frame() failed";
			return;
		}
		if (rx == IFL_REDIRECT)
			t->peer[t->npeer++] = frame;
		else
			xdp_return_frame_rx_napi(frame);
		break;
	default:	/* XDP_DROP */
		page_pool_recycle_direct(q->pool, page);
		break;
	}
}

/* Removes the held skb at `index` (the model's order is kept). */
static struct sk_buff *ifl_take_skb(struct ifl *t, int index)
{
	struct sk_buff *skb;

	if (WARN_ON_ONCE(index >= t->nskb))
		return NULL;
	skb = t->skb[index];

	memmove(&t->skb[index], &t->skb[index + 1],
		(t->nskb - index - 1) * sizeof(t->skb[0]));
	t->nskb--;
	return skb;
}

static int ifl_napi_poll(struct napi_struct *napi, int budget)
{
	struct ifl_queue *q = container_of(napi, struct ifl_queue, napi);
	struct ifl *t = q->t;

	switch (t->napi_op) {
	case IFL_OP_RX:
		ifl_do_rx(t, q, t->napi_arg);
		break;
	case IFL_OP_TX_CLEAN:
		ifl_do_clean_tx(q);
		break;
	case IFL_OP_SKB_FREE:	/* the stack frees an skb inside this poll */
		napi_consume_skb(ifl_take_skb(t, t->napi_arg), budget);
		break;
	}
	t->napi_ran = true;
	napi_complete_done(napi, 0);
	return 0;
}

/* A NAPI poll of queue i that receives one frame (napi_poll). */
static void __maybe_unused ifl_poll(struct ifl *t, int i, enum ifl_rx rx)
{
	ifl_in_napi(t, i, IFL_OP_RX, rx);
}

/* TX completion of queue i's XDP_TX ring, in its NAPI poll (driver_tx_clean). */
static void __maybe_unused ifl_clean_tx(struct ifl *t, int i)
{
	ifl_in_napi(t, i, IFL_OP_TX_CLEAN, 0);
}

/* Models: Skbs::free() inside queue i's NAPI poll (napi_consume_skb). */
static void __maybe_unused ifl_skb_free_in_napi(struct ifl *t, int i, int index)
{
	ifl_in_napi(t, i, IFL_OP_SKB_FREE, index);
}

/* Models: XdpRedirectTarget::complete() of the veth-like peer: xdp_return_frame() of the
 * frame at `index`, in softirq. */
static void __maybe_unused ifl_peer_complete(struct ifl *t, int index)
{
	struct xdp_frame *frame = t->peer[index];

	memmove(&t->peer[index], &t->peer[index + 1],
		(t->npeer - index - 1) * sizeof(t->peer[0]));
	t->npeer--;
	local_bh_disable();
	xdp_return_frame(frame);
	local_bh_enable();
}

/* Models: XdpRedirectTarget::complete_bulk(): xdp_return_frame_bulk() of every frame the
 * peer holds, then xdp_flush_frame_bulk(), in softirq under rcu_read_lock(). */
static void __maybe_unused ifl_peer_complete_bulk(struct ifl *t)
{
	struct xdp_frame_bulk bq;
	int k;

	xdp_frame_bulk_init(&bq);
	local_bh_disable();
	rcu_read_lock();
	for (k = 0; k < t->npeer; k++)
		xdp_return_frame_bulk(t->peer[k], &bq);
	xdp_flush_frame_bulk(&bq);
	rcu_read_unlock();
	local_bh_enable();
	t->npeer = 0;
}

/* Models: XdpRedirectTarget::complete_all() at the end: the peer stops and returns every
 * frame, first first, in process context. */
static void __maybe_unused ifl_peer_complete_all(struct ifl *t)
{
	int k;

	for (k = 0; k < t->npeer; k++)
		xdp_return_frame(t->peer[k]);
	t->npeer = 0;
}

/* Models: Skbs::clone(): skb_clone() of the held skb at `index`. */
static void __maybe_unused ifl_skb_clone(struct ifl *t, int index)
{
	struct sk_buff *skb = skb_clone(t->skb[index], GFP_ATOMIC);

	KUNIT_ASSERT_NOT_NULL(t->test, skb);
	t->skb[t->nskb++] = skb;
}

/* Models: Skbs::expand_head(): pskb_expand_head() of the held skb at `index`. */
static void __maybe_unused ifl_skb_expand_head(struct ifl *t, int index)
{
	KUNIT_EXPECT_EQ_MSG(t->test, pskb_expand_head(t->skb[index], 0, 0, GFP_ATOMIC), 0,
			    "step %d (%s): pskb_expand_head() failed", t->step, t->event);
}

/* Models: Skbs::coalesce(): skb_try_coalesce(to, from); when it merges, from is freed
 * with kfree_skb_partial(). Whether it merges is compared with the model's decision. */
static void __maybe_unused ifl_skb_coalesce(struct ifl *t, int to, int from, bool merged)
{
	bool stolen;
	int delta;
	bool ok;

	if (to == from)
		return;
	ok = skb_try_coalesce(t->skb[to], t->skb[from], &stolen, &delta);
	if (ok)
		kfree_skb_partial(ifl_take_skb(t, from), stolen);
	/* Past a different decision the skbs differ: nothing after it can be compared. */
	KUNIT_ASSERT_EQ_MSG(t->test, ok, merged,
			    "step %d (%s): skb_try_coalesce merged: the kernel has %d, the model says %d",
			    t->step, t->event, ok, merged);
}

/* Models: Skbs::free(): kfree_skb() of the held skb at `index`, in softirq or process
 * context. */
static void __maybe_unused ifl_skb_free(struct ifl *t, int index, bool softirq)
{
	struct sk_buff *skb = ifl_take_skb(t, index);

	if (softirq)
		local_bh_disable();
	kfree_skb(skb);
	if (softirq)
		local_bh_enable();
}

/* Models: Skbs::free_all() at the end: the stack lets go of every skb, last first. */
static void __maybe_unused ifl_skb_free_all(struct ifl *t)
{
	while (t->nskb > 0)
		kfree_skb(t->skb[--t->nskb]);
}

/* The model runs page_pool_release_retry() of pool `slot` now: so does the kernel. When
 * the model frees the pool there, no page may be outside it in the kernel either. */
static void __maybe_unused ifl_release_retry(struct ifl *t, int slot, bool frees)
{
	struct page_pool *pool = t->pool[slot];
	long outside;

	if (!pool)
		return;
	outside = ifl_outside(pool);
	flush_delayed_work(&pool->release_dw);
	if (frees) {
		IFL_EXPECT(t, "pages outside the pool when the release retry frees it", outside, 0);
		t->pool[slot] = NULL;
	}
}

/* Compared after each step: a pool the model still has. */
static void __maybe_unused ifl_expect_pool(struct ifl *t, int slot, long outside, long ring, long users,
			    bool destroyed)
{
	struct page_pool *pool = t->pool[slot];

	if (!pool) {
		KUNIT_FAIL(t->test, "step %d (%s): the model has page_pool %d, the test lost it",
			   t->step, t->event, slot);
		return;
	}
	IFL_EXPECT(t, "pages in flight outside the alloc cache and ring", ifl_outside(pool),
		   outside);
	IFL_EXPECT(t, "pages in the ptr_ring", ifl_ring_count(pool), ring);
	IFL_EXPECT(t, "user_cnt", refcount_read(&pool->user_cnt), users);
	IFL_EXPECT(t, "destroyed (destroy_cnt > 0)", pool->destroy_cnt > 0, destroyed);
}

/* Compared after each step: a page the test holds outside its pool. */
static void __maybe_unused ifl_expect_page(struct ifl *t, int slot, bool pp, long refcount, long pp_ref)
{
	struct page *page = t->page[slot];

	IFL_EXPECT(t, "a page_pool page (PP_SIGNATURE)", page_pool_page_is_pp(page), pp);
	IFL_EXPECT(t, "page refcount", page_ref_count(page), refcount);
	if (pp)
		IFL_EXPECT(t, "pp_ref_count", atomic_long_read(&page->pp_ref_count), pp_ref);
}

/* Compared after each step: a queue's XDP mem model. */
static void __maybe_unused ifl_expect_mem(struct ifl *t, int i, bool registered)
{
	struct ifl_queue *q = &t->q[i];

	IFL_EXPECT(t, "mem model registered (mem.id != 0)", q->rxq.mem.id != 0, registered);
	if (registered)
		IFL_EXPECT(t, "mem.type is MEM_TYPE_PAGE_POOL", q->rxq.mem.type,
			   MEM_TYPE_PAGE_POOL);
}
)C";

}  // namespace inflight
