/* Well-known vsock ports shared by the guest agent and the host tools
 * (docs/agent.md explains the ready handshake). */
#ifndef APPVM_PORTS_H
#define APPVM_PORTS_H

/* The agent listens here for host connections. */
#define APPVM_AGENT_PORT 1024u

/* The agent connects to the host (CID 2) on this port to announce READY and
 * later events such as APP_EXIT. */
#define APPVM_EVENT_PORT 1025u

/* The guest's file chooser portal connects to the host (CID 2) on this port;
 * the host's per-VM portal daemon answers (docs/protocol.md, docs/portal.md). */
#define APPVM_PORTAL_PORT 1026u

/* The guest's Wayland relay connects to the host (CID 2) on this port, once
 * per Wayland client; the host's waypipe client listens there
 * (docs/wayland-vm.md). */
#define APPVM_WAYLAND_PORT 1027u

/* The only peer the agent accepts: the host (VMADDR_CID_HOST). */
#define APPVM_HOST_CID 2u

#endif
