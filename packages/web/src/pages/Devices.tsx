import { Route, Routes } from 'react-router';
import { DeviceDetail } from '../areas/devices/DeviceDetail.js';
import { DeviceList } from '../areas/devices/DeviceList.js';

/** /devices: the list (filtered by ?q=…) and /devices/:controllerId, a device's page. */
export default function Devices() {
  return (
    <Routes>
      <Route index element={<DeviceList />} />
      <Route path=":controllerId" element={<DeviceDetail />} />
    </Routes>
  );
}
