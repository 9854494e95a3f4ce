import { Text } from '@mantine/core';
import { PageTitle } from '../components/PageTitle.js';

// Not built yet: a placeholder so the frame and navigation work.
export default function Users() {
  return (
    <>
      <PageTitle>Users</PageTitle>
      <Text>Coming soon.</Text>
    </>
  );
}
