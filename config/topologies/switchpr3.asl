/*
 * Power resources on a root port above a switch (vm.sh --topology
 * switchpr3), as in Thunderbolt hierarchies.
 *
 * The root port at 00:02.0 (\_SB.PCI0.S10) gets a power resource for D0
 * and D3hot (_PR0/_PR3); the switch below it (upstream port S10.S00,
 * downstream ports S10.S00.S00 and S10.S00.S08) and the endpoints below
 * the switch have none.  The PCI core can put the root port in D3cold once
 * everything below it is suspended, which removes power from the whole
 * hierarchy.
 *
 * _OFF turns off the power of the root port's slot (Power Controller
 * Control in Slot Control, PCIe capability at 0x54, Slot Control at
 * 0x6c): QEMU powers off the switch's upstream port and resets everything
 * below it, so the endpoints lose their state, and config reads of any
 * function below return all ones until _ON.  The Power Indicator is set to
 * On in the same write: QEMU detaches a device whose slot has power and
 * indicator both off.
 */
DefinitionBlock ("", "SSDT", 2, "VFIOPM", "SWPR3", 1)
{
    External (\_SB.PCI0.S10, DeviceObj)

    Scope (\_SB.PCI0.S10)
    {
        OperationRegion (PCFG, PCI_Config, Zero, 0x100)
        Field (PCFG, WordAcc, NoLock, Preserve)
        {
            Offset (0x6C),
            SLTC, 16
        }

        Name (PSTA, One)

        PowerResource (PWRS, 0, 0)
        {
            Method (_STA, 0, NotSerialized)
            {
                Return (PSTA)
            }

            /* Power Controller Control: on (0); Power Indicator: On (01b) */
            Method (_ON, 0, NotSerialized)
            {
                Debug = "vfiopm: hierarchy below 00:02.0 power on"
                SLTC = (SLTC & 0xF8FF) | 0x0100
                PSTA = One
            }

            /* Power Controller Control: off (1); Power Indicator: On */
            Method (_OFF, 0, NotSerialized)
            {
                Debug = "vfiopm: hierarchy below 00:02.0 power off"
                SLTC = (SLTC & 0xF8FF) | 0x0500
                PSTA = Zero
            }
        }

        Name (_PR0, Package (One) { PWRS })
        Name (_PR3, Package (One) { PWRS })
    }
}
