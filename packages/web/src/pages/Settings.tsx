import { Text } from '@mantine/core';
import { PageTitle } from '../components/PageTitle.js';

// Not built yet: a placeholder so the frame and navigation work.
export default function Settings() {
  return (
    <>
      <PageTitle>Settings</PageTitle>
      <Text>Coming soon.</Text>
    </>
  );
}
