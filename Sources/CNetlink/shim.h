#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/addr.h>

/* setns(2) is declared by glibc only under _GNU_SOURCE, which Swift's Glibc
   module is not built with. */
int setns(int fd, int nstype);
#define CNETLINK_CLONE_NEWNET 0x40000000
