/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few DRM and vgem ioctls the dma-buf test uses, from the kernel's
 * include/uapi/drm/drm.h and vgem_drm.h (stable ABI). Debian ships these
 * headers only in libdrm-dev, which would pull in every GPU's libdrm for
 * five definitions.
 */
#ifndef AI_TESTS_DRM_VGEM_H
#define AI_TESTS_DRM_VGEM_H

#include <stddef.h>
#include <linux/ioctl.h>
#include <linux/types.h>

struct t_drm_version {
	int version_major;
	int version_minor;
	int version_patchlevel;
	size_t name_len;
	char *name;
	size_t date_len;
	char *date;
	size_t desc_len;
	char *desc;
};

struct t_drm_gem_close {
	__u32 handle;
	__u32 pad;
};

struct t_drm_prime_handle {
	__u32 handle;
	__u32 flags;
	__s32 fd;
};

struct t_vgem_fence_attach {
	__u32 handle;
	__u32 flags;		/* T_VGEM_FENCE_WRITE */
	__u32 out_fence;
	__u32 pad;
};

struct t_vgem_fence_signal {
	__u32 fence;
	__u32 flags;
};

#define T_DRM_BASE			'd'
#define T_DRM_COMMAND_BASE		0x40
#define T_DRM_IOCTL_VERSION		_IOWR(T_DRM_BASE, 0x00, struct t_drm_version)
#define T_DRM_IOCTL_GEM_CLOSE		_IOW(T_DRM_BASE, 0x09, struct t_drm_gem_close)
#define T_DRM_IOCTL_PRIME_HANDLE_TO_FD	_IOWR(T_DRM_BASE, 0x2d, struct t_drm_prime_handle)
#define T_DRM_IOCTL_PRIME_FD_TO_HANDLE	_IOWR(T_DRM_BASE, 0x2e, struct t_drm_prime_handle)
#define T_VGEM_FENCE_WRITE		0x1
#define T_DRM_IOCTL_VGEM_FENCE_ATTACH	_IOWR(T_DRM_BASE, T_DRM_COMMAND_BASE + 0x1, \
					      struct t_vgem_fence_attach)
#define T_DRM_IOCTL_VGEM_FENCE_SIGNAL	_IOW(T_DRM_BASE, T_DRM_COMMAND_BASE + 0x2, \
					     struct t_vgem_fence_signal)

#endif /* AI_TESTS_DRM_VGEM_H */
