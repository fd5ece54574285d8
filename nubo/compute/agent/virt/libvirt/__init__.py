"""The libvirt virt driver (QEMU/KVM or TCG)."""
