; vmx/entry.asm - VM entry and the VM-exit stub.
;
; Context: VMX root operation, on the pCPU where the vCPU's VMCS is current,
; interrupts off. Offsets REGS_* come from build/gen/asm-offsets.inc, which
; the build generates from struct guest_regs (vmx/guest_regs.h).
;
; int vmx_enter(struct guest_regs *regs /* rdi */, int launched /* esi */)
;   Saves the host's callee-saved registers and the regs pointer on this
;   stack, points HOST_RSP at it, loads the guest's registers and enters.
;   A VM exit lands in vmx_exit_stub (HOST_RIP) with RSP = HOST_RSP; the stub
;   stores the guest's registers and returns 0 from vmx_enter. A failed entry
;   falls through VMLAUNCH/VMRESUME: returns 1 (VMfailInvalid, CF) or 2
;   (VMfailValid, ZF). SDM Vol. 3C, "VM Entries" and "VM Exits".

%include "asm-offsets.inc"

section .text
bits 64

global vmx_enter
vmx_enter:
	push rbp                        ; SysV callee-saved registers: the guest
	push rbx                        ; will overwrite all of them
	push r12
	push r13
	push r14
	push r15
	push rdi                        ; regs pointer: the exit stub finds it at [rsp]

	mov rax, VMCS_HOST_RSP
	vmwrite rax, rsp                ; exits return to exactly this stack
	jbe .write_failed               ; CF (VMfailInvalid) or ZF (VMfailValid)

	mov rax, [rdi + REGS_CR2]       ; CR2 is not part of the VMCS guest state
	mov cr2, rax
	mov r8, rdi                     ; RDTSC clobbers RDX:RAX
	rdtsc                           ; the last host instant before the guest runs
	shl rdx, 32
	or rax, rdx
	mov [r8 + REGS_ENTRY_TSC], rax
	mov rdi, r8

	test esi, esi                   ; flags survive the MOVs below
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
	mov rdi, [rdi + REGS_RDI]       ; last: it was the base pointer
	jnz .resume
	vmlaunch                        ; returns only on failure
	jmp .entry_failed
.resume:
	vmresume                        ; returns only on failure
.entry_failed:
	; The guest registers are loaded in ours; CF/ZF tell the failure class.
	mov eax, 1                      ; VMfailInvalid unless ZF says otherwise
	mov edx, 2
	cmovz eax, edx
	jmp .out
.write_failed:
	mov eax, 1
	mov edx, 2
	cmovz eax, edx
.out:
	add rsp, 8                      ; drop the regs pointer
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
	mov [rdi + REGS_RCX], rcx
	mov [rdi + REGS_RDX], rdx
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
	pop rax                         ; the guest's RDI
	mov [rdi + REGS_RDI], rax
	rdtsc                           ; the first host instant after the exit
	shl rdx, 32
	or rax, rdx
	mov [rdi + REGS_EXIT_TSC], rax
	mov rax, cr2
	mov [rdi + REGS_CR2], rax
	xor eax, eax                    ; vmx_enter returns 0: a VM exit
	jmp vmx_enter.out
