/* SPDX-License-Identifier: MIT */
/*
 * raw_rr_trace.c - rpmsg_rr_trace.c's stages for one raw split-ring round
 * trip (64-byte request and response in one chain, as `vrq-bench rr`),
 * over vring 1 of an RPMsg link, the buses left idle.  Build as
 * rpmsg_rr_trace.c.
 */
#include "rpmsg_pair.h"
#include "vrq/notify.h"
#include <sched.h>
#include <x86intrin.h>
#define N 4096
#define ITERS 400000
static inline unsigned long long TS(void){ _mm_lfence(); return __rdtsc(); }
static uint64_t h0[N], h1[N], h2[N], h3[N], r0[N], r1[N], r2[N]; /* the last N iterations */
#define M(i) ((i) & (N - 1))
static volatile int stop;
static void pin(int c){cpu_set_t s;CPU_ZERO(&s);CPU_SET(c,&s);pthread_setaffinity_np(pthread_self(),sizeof s,&s);}
static struct rp_pair P;
static void *remote(void *a){ (void)a; pin(1); struct vrq_vq_dev *q = vrq_rpmsg_dev_vq(P.remote.bus, 1);
  unsigned long i = 0; struct vrq_seg seg[4]; struct vrq_chain c;
  while(!stop){ if (vrq_vq_dev_wait(q, &P.remote.link.kick[1], 5000000) < 0) continue; r0[M(i)]=TS();
    for(;;){ vrq_chain_init(&c, seg, 4); int rc = vrq_vq_dev_pop_smp(q, &c); if (rc <= 0) break;
      r1[M(i)]=TS();
      const uint8_t *rq = seg[0].va; uint8_t *an = seg[1].va; uint8_t tag = rq[0]; memset(an+1, 0x5a, 62); an[0]=tag; an[63]=tag;
      vrq_vq_dev_push_smp(q, c.head, 64); vrq_vq_dev_publish_smp(q); vrq_vq_dev_interrupt_smp(q, &P.remote.link.irq[1]);
      r2[M(i)]=TS(); i++; } }
  return NULL;}
static int cmp(const void*a,const void*b){int64_t x=*(int64_t*)a,y=*(int64_t*)b;return x<y?-1:x>y;}
static int64_t D[N];
static void rep(const char*n,uint64_t*b,uint64_t*a,int off){ int k=0; for(int i=10;i<N-10;i++) D[k++]=(int64_t)(b[i+off]-a[i]); qsort(D,k,8,cmp); printf("%-28s p10 %6ld p50 %6ld p90 %6ld cycles\n",n,D[k/10],D[k/2],D[k*9/10]); }
int main(void){
  struct vrq_rpmsg_link_cfg lc={0}; pthread_t t;
  lc.notify=VRQ_NOTIFY_POLL; lc.ring_features=VRQ_FEATURE(VRQ_F_EVENT_IDX);
  if (rp_pair_init(&P,&lc,NULL,NULL)) return 1;
  struct vrq_vq_drv *q = vrq_rpmsg_drv_vq(P.host.bus, 1);
  uint8_t *req = P.host.link.base + P.host.link.off_bufs + 256*512, *resp = req + 512;
  uint64_t da = P.host.link.da_base + P.host.link.off_bufs + 256*512;
  struct vrq_sg sg[2] = {{da, 64}, {da + 512, 64}};
  pthread_create(&t,NULL,remote,NULL); pin(0);
  uint64_t s=TS(); unsigned long bad = 0;
  for (unsigned long i=0;i<ITERS;i++){ h0[M(i)]=TS(); uint8_t tag=(uint8_t)i; req[0]=tag; memset(req+1,0xa5,62); req[63]=tag;
    if (vrq_vq_drv_add_smp(q, sg, 1, 1, (void*)(uintptr_t)(i+1))) return 3; vrq_vq_drv_publish_smp(q); vrq_vq_drv_kick_smp(q, &P.host.link.kick[1]); h1[M(i)]=TS();
    void *tok; uint32_t len; int rc;
    do { vrq_vq_drv_wait(q, &P.host.link.irq[1], 0); rc = vrq_vq_drv_get_used_smp(q, &tok, &len);} while (rc == 0);
    h2[M(i)]=TS(); if (resp[0]!=tag||resp[63]!=tag) bad++; h3[M(i)]=TS(); }
  uint64_t e=TS(); stop=1; pthread_join(t,NULL);
  printf("%.1f cycles per rr, bad %lu\n",(double)(e-s)/ITERS, bad);
  rep("host add+pub (h1-h0)",h1,h0,0); rep("req visible+seen (r0-h1)",r0,h1,0); rep("remote pop (r1-r0)",r1,r0,0);
  rep("remote answer (r2-r1)",r2,r1,0); rep("reply seen+get (h2-r2)",h2,r2,0); rep("host check (h3-h2)",h3,h2,0);
  rep("loop (h0'-h3)",h0,h3,1); rep("total (h3-h0)",h3,h0,0);
  return 0; }
