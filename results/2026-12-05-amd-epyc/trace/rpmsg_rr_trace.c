/* SPDX-License-Identifier: MIT */
/*
 * rpmsg_rr_trace.c - where an RPMsg echo round trip spends its time, by
 * stage, with the poll backend: host on CPU 0, remote on CPU 1, time
 * stamps (lfence + rdtsc: x86 only, the TSC must be invariant and shared)
 * at the API boundaries on both sides; medians over the last 4096 of
 * 400000 round trips, in TSC cycles.  Not part of the build:
 *
 *   B=build/release
 *   gcc -O3 -Iinclude -I. -I$B/include -Itests/rpmsg -o /tmp/rpmsg_rr_trace \
 *       results/2026-12-05-amd-epyc/trace/rpmsg_rr_trace.c $B/libvrq_rpmsg.a \
 *       $B/libvrq_rpmsg_wire.a $B/libvrq_transport.a $B/libvrq.a \
 *       -lurcu-bp -lurcu-cds -lnuma -lpthread
 *   /tmp/rpmsg_rr_trace
 *
 * raw_rr_trace.c does the same for one raw split-ring round trip.
 */
#include "rpmsg_pair.h"
#include <sched.h>
#include <x86intrin.h>
#define N 4096
static inline unsigned long long TS(void){ _mm_lfence(); return __rdtsc(); }
#define ITERS 400000
struct hh { uint64_t h0,h1,h2,h3,pad[4]; } H[N]; struct rr_ { uint64_t r0,r1,r2,pad[5]; } R[N];

static volatile int stop;
static _Alignas(128) unsigned long ri; static _Alignas(128) unsigned long hi;
static void pin(int c){cpu_set_t s;CPU_ZERO(&s);CPU_SET(c,&s);pthread_setaffinity_np(pthread_self(),sizeof s,&s);}
static int rcb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *p)
{ (void)p; R[ri & (N-1)].r1 = TS(); int rc = vrq_rpmsg_sendto(e, m->src, m->data, m->len); R[ri & (N-1)].r2 = TS(); ri++; return rc; }
static int hcb(struct vrq_rpmsg_ept *e, const struct vrq_rpmsg_rx *m, void *p)
{ (void)e;(void)m;(void)p; H[hi & (N-1)].h2 = TS(); hi++; return 0; }
static struct rp_pair P;
static void *remote(void *a){ (void)a; pin(1);
  while(!stop){ vrq_rpmsg_wait(P.remote.bus, 5000000); R[ri & (N-1)].r0=TS(); vrq_rpmsg_poll(P.remote.bus,0);} return NULL;}
static int cmp(const void*a,const void*b){int64_t x=*(int64_t*)a,y=*(int64_t*)b;return x<y?-1:x>y;}
static int64_t D[N];
#define REP(n,B,A,off) rep_(n, &(B), &(A), (off))
static void rep_(const char*n,const uint64_t*b,const uint64_t*a,int off){ int k=0; for(int i=10;i<N-10;i++) D[k++]=(int64_t)(b[(size_t)(i+off)*8]-a[(size_t)i*8]); qsort(D,k,8,cmp); printf("%-28s p10 %6ld p50 %6ld p90 %6ld cycles\n",n,D[k/10],D[k/2],D[k*9/10]); }
int main(void){
  struct vrq_rpmsg_link_cfg lc={0}; int err; pthread_t t;
  lc.notify=VRQ_NOTIFY_POLL; lc.ring_features=VRQ_FEATURE(VRQ_F_EVENT_IDX);
  if (rp_pair_init(&P,&lc,NULL,NULL)) return 1;
  struct vrq_rpmsg_ept *re=vrq_rpmsg_create_ept(P.remote.bus,"x",1024,VRQ_RPMSG_ADDR_ANY,rcb,NULL,NULL,&err);
  struct vrq_rpmsg_ept *he=vrq_rpmsg_create_ept(P.host.bus,NULL,1025,1024,hcb,NULL,NULL,&err);
  if(!re||!he) return 2;
  vrq_rpmsg_poll(P.host.bus,0);
  pthread_create(&t,NULL,remote,NULL); pin(0);
  char buf[64]; memset(buf,1,64);
  uint64_t s=TS();
  for (unsigned long i=0;i<ITERS;i++){ H[i&(N-1)].h0=TS(); if(vrq_rpmsg_send(he,buf,64)) return 3; H[i&(N-1)].h1=TS();
    while (hi<=i){ if (vrq_rpmsg_poll(P.host.bus,0)>0) continue; vrq_rpmsg_wait(P.host.bus, 5000000000ull);} H[i&(N-1)].h3=TS(); }
  uint64_t e=TS(); stop=1; pthread_join(t,NULL);
  printf("%.1f cycles per rr\n",(double)(e-s)/ITERS);
  REP("host send (h1-h0)",H[0].h1,H[0].h0,0); REP("req visible+seen (r0-h1)",R[0].r0,H[0].h1,0); REP("remote pop..cb (r1-r0)",R[0].r1,R[0].r0,0);
  REP("remote sendto (r2-r1)",R[0].r2,R[0].r1,0); REP("reply seen..host cb (h2-r2)",H[0].h2,R[0].r2,0); REP("host cb..poll ret (h3-h2)",H[0].h3,H[0].h2,0);
  REP("loop (h0'-h3)",H[0].h0,H[0].h3,1); REP("total (h3-h0)",H[0].h3,H[0].h0,0);
  return 0; }
