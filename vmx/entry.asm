; vmx/entry.asm - VM entry, the VM-exit stub, and the resume loop between them.
;
; Context: VMX root operation, on the pCPU where the vCPU's VMCS is current,
; interrupts off. Offsets REGS_* come from build/gen/asm-offsets.inc, which
; the build generates from struct guest_regs (vmx/guest_regs.h).
;
; int vmx_run(struct guest_regs *regs /* rdi */, int launched /* esi */,
;             vmx_exit_fn on_exit /* rdx */)
;   Saves the host's callee-saved registers, the regs pointer and on_exit on
;   this stack, points HOST_RSP at them, loads the guest's registers and
;   enters (VMLAUNCH, or VMRESUME when launched). Each VM exit lands in
;   vmx_exit_stub (HOST_RIP) with RSP = HOST_RSP; the stub stores the guest's
;   registers and calls on_exit(regs) (the VMM's dispatcher: this layer
;   names no policy symbol). If that returns true the stub resumes the guest
;   at once, without going back through C: the common exit costs one call.
;   If it returns false, vmx_run returns 0. A failed VMLAUNCH/VMRESUME returns 1 (VMfailInvalid,
;   CF) or 2 (VMfailValid, ZF). SDM Vol. 3C, "VM Entries" and "VM Exits".
;
; Stack at HOST_RSP (16-byte aligned, so the stub may call C directly):
;   [rsp] regs pointer, [rsp + 8] on_exit, [rsp + 16] padding (keeps
;   HOST_RSP 16-byte aligned), then r15 r14 r13 r12 rbx rbp, then vmx_run's
;   return.

%include "asm-offsets.inc"

; Load every guest register from [rdi], RDI last (it is the base pointer).
; A macro, not a call: it sits on the path of every exit (docs/vmx-walkthrough.md).
%macro LOAD_GUEST 0
	mov rax, [rdi + REGS_RAX]
	mov rcx, [rdi + REGS_RCX]
	mov rdx, [rdi + REGS_RDX]
	mov rbx, [rdi + REGS_RBX]
	mov rbp, [rdi + REGS_RBP]
	mov rsi, [rdi + REGS_RSI]
	mov r8,  [rdi + REGS_R8]
	mov r9,  [rdi + REGS_R9]
	mov r10, [rdi + REGS_R10]
	mov r11, [rdi + REGS_R11]
	mov r12, [rdi + REGS_R12]
	mov r13, [rdi + REGS_R13]
	mov r14, [rdi + REGS_R14]
	mov r15, [rdi + REGS_R15]
	mov rdi, [rdi + REGS_RDI]
%endmacro

section .text
bits 64

global vmx_run
vmx_run:
	push rbp                        ; SysV callee-saved registers: the guest
	push rbx                        ; will overwrite all of them
	push r12
	push r13
	push r14
	push r15
	sub rsp, 8                      ; padding: 9 slots + return = 16-byte aligned
	push rdx                        ; on_exit: the exit stub calls [rsp + 8]
	push rdi                        ; regs pointer: the exit stub finds it at [rsp]

	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp                ; exits return to exactly this stack
	jbe .failed                     ; CF (VMfailInvalid) or ZF (VMfailValid)

	test esi, esi
	jnz .resume
	LOAD_GUEST                      ; the guest's registers, RDI last
	vmlaunch                        ; returns only on failure
	jmp .failed

.resume:                                ; rdi = regs
	LOAD_GUEST
	vmresume                        ; returns only on failure
.failed:
	; The guest's registers are in ours now: RSP still points at our frame.
	mov eax, 1                      ; VMfailInvalid unless ZF says VMfailValid
	mov edx, 2
	cmovz eax, edx
.out:
	add rsp, 24                     ; drop the regs pointer, on_exit, padding
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; VM exit: RSP = HOST_RSP, which points at the saved regs pointer. RFLAGS is
; 0x2 (interrupts off); the guest's general registers are still live.
global vmx_exit_stub
vmx_exit_stub:
	push rdi                        ; free one register: the guest's RDI
	mov rdi, [rsp + 8]              ; struct guest_regs *
	mov [rdi + REGS_RAX], rax
	mov [rdi + REGS_RDX], rdx
	rdtsc                           ; the first host instant after the exit
	mov [rdi + REGS_EXIT_TSC], eax  ; (on_exit compares it with the slice's
	mov [rdi + REGS_EXIT_TSC + 4], edx ; end): low and high halves, little-endian
	mov [rdi + REGS_RCX], rcx
	mov [rdi + REGS_RBX], rbx
	mov [rdi + REGS_RBP], rbp
	mov [rdi + REGS_RSI], rsi
	mov [rdi + REGS_R8],  r8
	mov [rdi + REGS_R9],  r9
	mov [rdi + REGS_R10], r10
	mov [rdi + REGS_R11], r11
	mov [rdi + REGS_R12], r12
	mov [rdi + REGS_R13], r13
	mov [rdi + REGS_R14], r14
	mov [rdi + REGS_R15], r15
	pop rax                         ; the guest's RDI; RSP = HOST_RSP again
	mov [rdi + REGS_RDI], rax
	call [rsp + 8]                  ; bool on_exit(struct guest_regs *regs)
	test al, al
	jz .leave
	mov rdi, [rsp]                  ; regs
	LOAD_GUEST                      ; resume at once: the common exit's whole path
	vmresume                        ; returns only on failure
	jmp vmx_run.failed
.leave:
	xor eax, eax                    ; vmx_run returns 0: back to the scheduler
	jmp vmx_run.out

; void vmx_exit_to_scheduler(uint64_t host_rsp /* rdi */): on_exit ends
; here instead of returning false, from as deep in its calls as it is: RSP
; goes back to the exit's own (HOST_RSP, read from the VMCS before it was
; cleared) and vmx_run returns 0. The frames in between are dropped unread.
global vmx_exit_to_scheduler
vmx_exit_to_scheduler:
	mov rsp, rdi
	xor eax, eax
	jmp vmx_run.out
